"""`triage rules new DIR`: the files of a small, complete pack to start from (safety routes and their
precautionary rules, a focus route with a rule-out and a note, a default route, a source, a contact
and scenarios covering all of it), each with comments saying what to change. It checks clean and
passes its own scenarios with full coverage, as the tests show.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from triage._errors import InputError, OutputError

PACK = """\
# The pack: what it is, what it rests on, whom to contact. Change every value; keep the keys.
# Then: triage rules check DIR, and triage test DIR/scenarios --rules DIR --coverage.
id: my-area-pack            # lower case, digits, . _ - (it is printed with every answer)
title: Which route fits this case? (my area)
version: 0.1.0              # raise it with every change (triage rules diff says when you forgot)
area: My area
default_route: no_further_route   # the route when no rule recommends another
focus_route: case_discussion      # the route the pack is about: users ask "does it fit?"
notice: Advice to discuss with your line manager or child protection lead, not a decision.
sources:                    # every document a rule, route or contact cites
  local_procedure:
    title: My area's case discussion procedure     # the document's title, without its date
    date: unknown                                  # when published or last checked
contacts:                   # routes list these by name
  duty_team:
    name: Children's services duty team
    for: New concerns about a child
    phone: ""               # fill in what the source gives: phone, email, url
    source: local_procedure
    as_of: unknown
"""

FACTS = """\
# The questions. Ids are public (programs send them): choose them once. Every question can be
# answered unknown ("not sure"); a safety question is asked first, and your rules must send its
# unknown to a safety route (triage rules check proves it).
facts:
  - id: immediate_danger
    question: Do you think a child is in immediate danger now?
    safety: true
  - id: unshared_concern
    question: >-
      Do you have a concern that a child may be harmed that has not yet been passed to social
      work or police?
    safety: true
  - id: discussion_wanted
    question: Is the aim to discuss the case across agencies?
  - id: several_agencies
    question: Are two or more agencies involved with the child or family?
    help: Count third-sector and adult services.    # optional, shown with the question
"""

ROUTES = """\
# The routes, 1 the most urgent. Safety routes come first. Replace the titles, guidance, steps
# and citations with your procedure's; add routes as your procedure has them.
routes:
  - id: emergency_response
    priority: 1
    safety: true
    title: Emergency response
    guidance: A child in immediate danger needs the police or urgent medical help now.
    next_steps: [Call 999 now.]
    sources: [{document: local_procedure, section: "replace with the section"}]
  - id: child_protection_referral
    priority: 2
    safety: true
    title: Child protection referral
    guidance: A concern that a child may be harmed is shared with social work or police without delay.
    next_steps: [Contact the duty team today.]
    contacts: [duty_team]
    sources: [{document: local_procedure, section: "replace with the section"}]
  - id: case_discussion
    priority: 3
    title: Multiagency case discussion
    guidance: A discussion across agencies to explore the case together. It decides nothing.
    next_steps: [Ask your line manager, then send the request form to the team named in the procedure.]
    sources: [{document: local_procedure, section: "replace with the section"}]
  - id: no_further_route
    priority: 4
    title: No further route
    guidance: Nothing in the procedure calls for another route; keep working with the case as planned.
    next_steps: [Record the decision and the reasons for it.]
    sources: [{document: local_procedure, section: "replace with the section"}]
"""

RULES = """\
# The rules. Each has one effect (recommend, rule_out or advice), a condition over the answers
# (fact / all / any / not), a reason in plain words for users, and the source it rests on.
rules:
  - id: emergency_danger
    effect: recommend
    route: emergency_response
    when: {fact: immediate_danger, is: "yes"}
    reason: A child is thought to be in immediate danger.
    source: {document: local_procedure, section: "replace with the section"}
  - id: referral_concern
    effect: recommend
    route: child_protection_referral
    when: {fact: unshared_concern, is: ["yes", "unknown"]}     # "not sure" is a reason to act
    reason: A concern not yet shared, or not known, is shared with social work or police.
    source: {document: local_procedure, section: "replace with the section"}
  - id: referral_danger_not_known
    effect: recommend
    route: child_protection_referral
    when: {fact: immediate_danger, is: unknown}
    reason: When it is not known whether a child is in immediate danger, share the concern now.
    source: {document: local_procedure, section: "replace with the section"}
  - id: discussion_fits
    effect: recommend
    route: case_discussion
    when: {fact: discussion_wanted, is: "yes"}
    reason: A discussion across agencies is what the requester wants.
    source: {document: local_procedure, section: "replace with the section"}
  - id: discussion_needs_agencies
    effect: rule_out
    route: case_discussion
    when: {fact: several_agencies, is: "no"}
    reason: A case discussion needs two or more agencies involved.
    source: {document: local_procedure, section: "replace with the section"}
  - id: advice_count_agencies
    effect: advice
    requires_route: case_discussion              # shown only when that route is recommended
    when: {fact: several_agencies, is: unknown}
    text: Check which agencies are involved before asking for a discussion.
    reason: The discussion needs two or more agencies.
    source: {document: local_procedure, section: "replace with the section"}
"""

SCENARIOS = """\
# Worked cases with the advice they must get. Derive each expectation from your procedure, not
# from what the tool says. Facts left out are unknown. Run:
#   triage test DIR/scenarios --rules DIR --coverage
- name: a child in immediate danger
  facts: {immediate_danger: "yes"}
  expect: {primary: emergency_response, provisional: false}
- name: nothing known yet - share the concern as a precaution
  facts: {}
  expect: {primary: child_protection_referral, first_question: immediate_danger}
- name: a concern not yet shared
  facts: {immediate_danger: "no", unshared_concern: "yes"}
  expect: {primary: child_protection_referral, questions_empty: true}
- name: a discussion across agencies
  facts: {immediate_danger: "no", unshared_concern: "no", discussion_wanted: "yes", several_agencies: "yes"}
  expect: {primary: case_discussion, focus: recommended, routes: [case_discussion]}
- name: one agency only - no case discussion
  facts: {immediate_danger: "no", unshared_concern: "no", discussion_wanted: "yes", several_agencies: "no"}
  expect: {primary: no_further_route, focus: not_recommended, ruled_out_include: [case_discussion]}
- name: agencies not known - the discussion, after counting them
  facts: {immediate_danger: "no", unshared_concern: "no", discussion_wanted: "yes"}
  expect: {primary: case_discussion, advice_include: [advice_count_agencies]}
"""

FILES = {
    "pack.yaml": PACK,
    "facts.yaml": FACTS,
    "routes.yaml": ROUTES,
    "rules.yaml": RULES,
    "scenarios/cases.yaml": SCENARIOS,
}


def new_pack(folder: str | Path) -> Path:
    """Write a new pack's files into `folder` (which must not exist, or be empty): whole, or not
    at all. Returns the folder.

    >>> import tempfile, triage
    >>> with tempfile.TemporaryDirectory() as temp:
    ...     triage.check_pack(new_pack(Path(temp) / "my-pack")).ok
    True
    """
    target = Path(folder)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(f"{target}: already exists and is not an empty folder (give a new folder)")
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"{parent}: no such folder")
    # Written beside the target, then renamed: the whole pack appears at once, or nothing does.
    staging = parent / f".{target.name}.{os.getpid()}.new"
    try:
        staging.mkdir()
        for name, text in FILES.items():
            path = staging / name
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"{target}: cannot write: {error.strerror or error}") from None
    return target

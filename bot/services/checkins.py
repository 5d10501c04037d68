"""Reflection check-ins: asked privately, answered (or skipped, or edited) within a window, one
reminder, and results for leads only in aggregate over at least the anonymity threshold.

Each member is asked at the schedule's time in their own zone (:mod:`bot.services.local_time`),
and reminded half the window after that, at their own local time too."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from bot.calendar import moment_text
from bot.clock import as_utc as aware
from bot.delivery.outbox import enqueue
from bot.domain import MemberStatus, TeamPath
from bot.errors import InputError
from bot.events import Actor, FormSubmitted
from bot.facilitation import Results, ScheduleCheckIn
from bot.ids import parse_id
from bot.messages import Button, Choices, Field, Form, FormErrors, Message, Text
from bot.services import blackouts, library, local_time, schedules
from bot.services.context import Context
from bot.store import repo
from bot.store.facilitation import AnswerRow, CheckInRow, ParticipantRow, ScheduleRow
from bot.store.models import MemberRow
from bot.texts import copy, count
from bot.texts import respondents as counted_respondents

log = logging.getLogger(__name__)

MAX_ANSWER = 1000
# How far ahead a sweep queues the reminders falling due (held until their time): the sweep's
# interval, ``bot.delivery.scheduler.SWEEP_MINUTES``, so that each goes at its very time.
REMIND_AHEAD = timedelta(minutes=10)


async def schedule(ctx: Context, actor: Actor, command: ScheduleCheckIn) -> Message:
    if command.teams:
        teams = {m.team for m in await repo.members(ctx.session, ctx.community.id)}
        for team in command.teams:
            if not any(_in_teams_path(t, team) for t in teams):
                raise InputError(
                    copy("checkin.no_such_team", team=str(team)[:60]),
                    usage="for Organisation/Department/Team,… (a team with members here)",
                    example='checkin schedule "How are you?" every friday 10:00 for Acme/Eng',
                )
    payload = {
        "questions": list(command.questions),
        "teams": [str(t) for t in command.teams],
        "window_days": command.window_days,
        "anonymous": command.anonymous,
    }
    row = await schedules.create(ctx, "checkin", command.when, payload, actor.platform_id)
    return Text(copy("checkin.scheduled", description=schedules.describe(row)))


def _in_teams_path(member_team: str, team: TeamPath) -> bool:
    return TeamPath.parse(member_team).parts[: len(team.parts)] == team.parts


def _in_teams(member: MemberRow, teams: Sequence[str]) -> bool:
    if not teams:
        return True
    path = TeamPath.parse(member.team).parts
    return any(path[: len(t.parts)] == t.parts for t in map(TeamPath.parse, teams))


async def open_checkin(ctx: Context, row: ScheduleRow, *, at_once: bool = False) -> str:
    """Open one check-in for the schedule and ask each member privately, at the schedule's time
    on its day in their own zone (``at_once``, as `run-now` does: everyone now)."""
    payload = row.payload
    questions = list(payload.get("questions") or [])
    if not questions:
        questions = [(await library.next_item(ctx, "reflection")).text]
    now = ctx.clock()
    window = timedelta(days=int(payload.get("window_days", 2)))
    askable = [
        member
        for member in await repo.members(ctx.session, ctx.community.id)
        if member.status == MemberStatus.ACTIVE.value
        and _in_teams(member, list(payload.get("teams") or []))
    ]
    day = await local_time.checkin_day(ctx, row)
    dues = {
        m.id: local_time.due_at(day, row.local_time, m.timezone or row.timezone)
        for m in ([] if at_once else askable)
    }
    checkin = CheckInRow(
        community_id=ctx.community.id,
        schedule_id=row.id,
        questions=questions,
        teams=list(payload.get("teams") or []),
        anonymous=bool(payload.get("anonymous")),
        opens_at=now,
        closes_at=max([now, *dues.values()]) + window,
        secret=secrets.token_hex(16) if payload.get("anonymous") else None,
    )
    ctx.session.add(checkin)
    await ctx.session.flush()
    asked = 0
    for member in askable:
        due = max(now, dues.get(member.id, now))
        zone = member.timezone or row.timezone
        remind_at = local_time.wall_clock_after(due, window / 2, zone)
        ctx.session.add(
            ParticipantRow(
                checkin_id=checkin.id, member_id=member.id, state="asked", remind_at=remind_at
            )
        )
        queued = await enqueue(
            ctx.session,
            community_id=ctx.community.id,
            key=f"checkin:{checkin.id}:{member.id}",
            kind="checkin",
            message=_ask(checkin, member.first_name, ctx.community.timezone),
            people=[member.platform_id],
        )
        if due > now:
            queued.next_attempt_at = due  # the sender holds it until then
        asked += 1
    row.last_run_at = now
    return f"check-in {checkin.id}: {asked} asked"


def _ask(checkin: CheckInRow, first_name: str, timezone: str) -> Choices:
    values = {
        "first_name": first_name,
        "questions": "\n".join(f"• {q}" for q in checkin.questions),
        "closes": moment_text(aware(checkin.closes_at), timezone),
    }
    if checkin.anonymous:
        body = copy("checkin.ask_anonymous", **values)
    else:
        body = copy("checkin.ask", **values)
    return Choices(
        body,
        (
            Button(copy("checkin.answer"), "checkin_answer", str(checkin.id)),
            Button(copy("checkin.skip"), "checkin_skip", str(checkin.id)),
        ),
    )


async def _participant(
    ctx: Context, actor: Actor, raw_id: str
) -> tuple[CheckInRow, MemberRow, ParticipantRow] | Message:
    member = await repo.get_member(ctx.session, ctx.community.id, actor.platform_id)
    checkin_id = parse_id(raw_id)
    checkin = await ctx.session.get(CheckInRow, checkin_id) if checkin_id is not None else None
    first_name = member.first_name if member else actor.display_name
    if member is None or checkin is None or checkin.community_id != ctx.community.id:
        return Text(copy("checkin.not_asked", first_name=first_name))
    if checkin.closed or aware(checkin.closes_at) <= ctx.clock():
        return Text(copy("checkin.closed", first_name=first_name))
    participant = await ctx.session.scalar(
        select(ParticipantRow).where(
            ParticipantRow.checkin_id == checkin.id, ParticipantRow.member_id == member.id
        )
    )
    if participant is None:
        return Text(copy("checkin.not_asked", first_name=first_name))
    return checkin, member, participant


def _token(checkin: CheckInRow, member: MemberRow) -> str:
    assert checkin.secret is not None
    return hmac.new(checkin.secret.encode(), str(member.id).encode(), hashlib.sha256).hexdigest()


async def _own_answers(ctx: Context, checkin: CheckInRow, member: MemberRow) -> list[AnswerRow]:
    mine = (
        AnswerRow.edit_token == _token(checkin, member)
        if checkin.anonymous
        else AnswerRow.member_id == member.id
    )
    query = select(AnswerRow).where(AnswerRow.checkin_id == checkin.id, mine)
    return list((await ctx.session.scalars(query.order_by(AnswerRow.question))).all())


async def answer_form(ctx: Context, actor: Actor, raw_id: str) -> Message:
    found = await _participant(ctx, actor, raw_id)
    if not isinstance(found, tuple):
        return found
    checkin, member, _ = found
    before = {a.question: a.text for a in await _own_answers(ctx, checkin, member)}
    fields = tuple(
        Field(
            f"q{i}",
            q[:150],
            multiline=True,
            optional=i > 0,
            max_length=MAX_ANSWER,
            initial=before.get(i, ""),
        )
        for i, q in enumerate(checkin.questions)
    )
    return Form(f"checkin:{checkin.id}", copy("checkin.form_title"), fields, copy("checkin.send"))


async def submit(ctx: Context, event: FormSubmitted, threshold: int) -> Message:
    found = await _participant(ctx, event.actor, event.form_id.removeprefix("checkin:"))
    if not isinstance(found, tuple):
        return found
    checkin, member, participant = found
    answers = {i: " ".join(event.value(f"q{i}").split()) for i in range(len(checkin.questions))}
    too_long = [i for i, text in answers.items() if len(text) > MAX_ANSWER]
    if too_long:
        problem = copy("answer.too_long", first_name=member.first_name, limit=MAX_ANSWER)
        return FormErrors(tuple((f"q{i}", problem) for i in too_long))
    if not answers.get(0):
        return FormErrors((("q0", copy("answer.empty", first_name=member.first_name)),))
    earlier = await _own_answers(ctx, checkin, member)
    for old in earlier:
        await ctx.session.delete(old)
    team = await _shown_team(ctx, member, threshold) if checkin.anonymous else member.team
    for question, text in answers.items():
        if text:
            ctx.session.add(
                AnswerRow(
                    checkin_id=checkin.id,
                    member_id=None if checkin.anonymous else member.id,
                    team=team,
                    question=question,
                    text=text,
                    edit_token=_token(checkin, member) if checkin.anonymous else None,
                )
            )
    edited = bool(earlier) or participant.state == "answered"
    if not checkin.anonymous:  # who answered an anonymous check-in is kept nowhere
        participant.state = "answered"
    log.info("community %s: check-in %s answered", ctx.community.id, checkin.id)
    if edited:
        return Text(copy("checkin.edited", first_name=member.first_name))
    return Text(copy("checkin.thanks", first_name=member.first_name))


async def _shown_team(ctx: Context, member: MemberRow, threshold: int) -> str | None:
    """An anonymous answer keeps the team only where the team has at least ``threshold``."""
    size = await ctx.session.scalar(
        select(func.count())
        .select_from(MemberRow)
        .where(MemberRow.community_id == ctx.community.id, MemberRow.team == member.team)
    )
    return member.team if int(size or 0) >= threshold else None


async def skip(ctx: Context, actor: Actor, raw_id: str) -> Message:
    found = await _participant(ctx, actor, raw_id)
    if not isinstance(found, tuple):
        return found
    checkin, member, participant = found
    if participant.state == "asked" and not checkin.anonymous:
        participant.state = "skipped"
    return Text(copy("checkin.skipped", first_name=member.first_name))


async def sweep(ctx: Context) -> str:
    """Queue the reminders falling due (each member's, half the window after they were asked)
    and close windows that have ended."""
    now = ctx.clock()
    reminded = closed = 0
    rows = (
        await ctx.session.scalars(
            select(CheckInRow).where(
                CheckInRow.community_id == ctx.community.id, CheckInRow.closed.is_(False)
            )
        )
    ).all()
    for checkin in rows:
        if aware(checkin.closes_at) <= now:
            checkin.closed = True
            checkin.secret = None
            await ctx.session.execute(
                update(AnswerRow).where(AnswerRow.checkin_id == checkin.id).values(edit_token=None)
            )
            closed += 1
        elif not checkin.reminded:
            reminded += await _remind(ctx, checkin, now)
    return f"{count(reminded, 'reminder')}, {count(closed, 'check-in')} closed"


async def _remind(ctx: Context, checkin: CheckInRow, now: datetime) -> int:
    """Each member's one reminder, queued when its time comes within the next sweep and held
    until that time (their own local send time plus half the window): to those who have not
    answered; for an anonymous check-in, to everybody asked, so that who gets one says nothing
    about who answered."""
    opens, closes = aware(checkin.opens_at), aware(checkin.closes_at)
    middle = opens + (closes - opens) / 2  # for those asked before reminders had their own time
    waiting = select(ParticipantRow, MemberRow).join(
        MemberRow, MemberRow.id == ParticipantRow.member_id
    )
    waiting = waiting.where(
        ParticipantRow.checkin_id == checkin.id, ParticipantRow.reminded.is_(False)
    )
    if not checkin.anonymous:
        waiting = waiting.where(ParticipantRow.state == "asked")
    sent = left = 0
    days = await blackouts.ranges(ctx.session, ctx.community.id)
    for participant, member in (await ctx.session.execute(waiting.order_by(MemberRow.id))).all():
        at = aware(participant.remind_at) if participant.remind_at is not None else middle
        moved = blackouts.past(days, at, member.timezone or ctx.community.timezone)
        if moved != at and (ctx.community.blackout_mode == blackouts.SKIP or moved >= closes):
            participant.reminded = True  # no reminder on a blackout day, none after closing
            log.info(
                "check-in %s: no reminder for member %s on a blackout day", checkin.id, member.id
            )
            continue
        if moved != at:  # off a blackout day: the same time on the day after it
            participant.remind_at = at = moved
        if at > now + REMIND_AHEAD:
            left += 1
            continue
        queued = await enqueue(
            ctx.session,
            community_id=ctx.community.id,
            key=f"reminder:{checkin.id}:{member.id}",
            kind="reminder",
            message=Text(
                copy("checkin.reminder_anonymous", first_name=member.first_name)
                if checkin.anonymous
                else copy("checkin.reminder", first_name=member.first_name)
            ),
            people=[member.platform_id],
        )
        if at > now:
            queued.next_attempt_at = at  # the sender holds it until then
        participant.reminded = True
        sent += 1
    if not left:
        checkin.reminded = True  # nobody's reminder is still to come
    return sent


async def results(ctx: Context, command: Results, threshold: int) -> Message:
    """A check-in's answers for leads: after its window, in aggregate, shuffled, and only over
    at least ``threshold`` respondents — on the slice asked for and on the rest of it."""
    checkin = await ctx.session.get(CheckInRow, command.checkin_id)
    if checkin is None or checkin.community_id != ctx.community.id:
        return Text(copy("checkin.unknown", id=command.checkin_id))
    if not checkin.closed:
        return Text(copy("checkin.still_open", id=checkin.id))
    answers = list(
        (
            await ctx.session.scalars(select(AnswerRow).where(AnswerRow.checkin_id == checkin.id))
        ).all()
    )
    everyone = _respondents(answers, None)
    if command.team is not None:
        inside = _respondents(answers, command.team)
        if inside < threshold or 0 < everyone - inside < threshold:
            return Text(copy("results.withheld", threshold=threshold))
        answers = [a for a in answers if _within(a.team, command.team)]
    elif everyone < threshold:
        return Text(copy("results.withheld", threshold=threshold))
    rng = secrets.SystemRandom()
    lines = [
        copy(
            "results.heading",
            id=checkin.id,
            respondents=counted_respondents(_respondents(answers, None)),
        )
    ]
    for i, question in enumerate(checkin.questions):
        texts = [a.text for a in answers if a.question == i]
        rng.shuffle(texts)
        lines.append(f"\n{question} ({len(texts)})")
        lines.extend(f"• {t}" for t in texts)
    return Text("\n".join(lines))


def _within(team: str | None, prefix: TeamPath) -> bool:
    return team is not None and TeamPath.parse(team).parts[: len(prefix.parts)] == prefix.parts


def _respondents(answers: Sequence[AnswerRow], team: TeamPath | None) -> int:
    return sum(1 for a in answers if a.question == 0 and (team is None or _within(a.team, team)))


async def forget_answers(ctx: Context, member: MemberRow) -> None:
    await ctx.session.execute(delete(AnswerRow).where(AnswerRow.member_id == member.id))

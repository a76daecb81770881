"""Managers: the anomaly rules (read; switch on and off; edit a rule's condition and level,
with the rules service's validation errors shown and the running set left in force)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from console.clients import Json, ServiceError
from console.deps import CsrfChecked, Deps, Manager, RuleReader
from console.views import render

router = APIRouter(tags=["rules"])


def _find(rule_set: Json, rule_id: str) -> Json | None:
    return next((r for r in rule_set.get("rules", []) if r.get("id") == rule_id), None)


@router.get("/rules")
async def rules_page(request: Request, deps: Deps, session: RuleReader) -> Response:
    rule_set = await deps.rules.rules(session.token)
    history = await deps.rules.history(session.token)
    revisions = history.get("value", []) if isinstance(history.get("value"), list) else []
    return render(deps.templates, request, "rules.html", session, rule_set=rule_set, history=revisions[:10])


@router.post("/rules/{rule_id}/switch", dependencies=[CsrfChecked])
async def switch(
    request: Request, rule_id: str, deps: Deps, session: Manager, enabled: Annotated[bool, Form()]
) -> Response:
    rule_set = await deps.rules.switch(session.token, rule_id, enabled)
    rule = _find(rule_set, rule_id)
    flash = f"{rule_id} 已{'启用' if enabled else '停用'}（规则集版本 {rule_set.get('version')}）"
    return render(
        deps.templates, request, "_rule_row.html", session, r=rule, version=rule_set.get("version"), flash=flash
    )


@router.get("/rules/{rule_id}/edit")
async def edit_form(request: Request, rule_id: str, deps: Deps, session: Manager) -> Response:
    rule_set = await deps.rules.rules(session.token)
    rule = _find(rule_set, rule_id)
    return render(
        deps.templates, request, "_rule_edit.html", session, r=rule, version=rule_set.get("version"), errors=[]
    )


@router.get("/rules/{rule_id}/row")
async def row(request: Request, rule_id: str, deps: Deps, session: RuleReader) -> Response:
    rule_set = await deps.rules.rules(session.token)
    return render(
        deps.templates, request, "_rule_row.html", session, r=_find(rule_set, rule_id), version=rule_set.get("version")
    )


@router.post("/rules/{rule_id}", dependencies=[CsrfChecked])
async def save(
    request: Request,
    rule_id: str,
    deps: Deps,
    session: Manager,
    condition: Annotated[str, Form(max_length=2000)],
    level: Annotated[int, Form(ge=1, le=3)],
    base_version: Annotated[int, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    current = await deps.rules.rules(session.token)
    rules: list[dict[str, Any]] = [
        {**r, "condition": condition.strip(), "level": level} if r.get("id") == rule_id else r
        for r in current.get("rules", [])
    ]
    edited = _find({"rules": rules}, rule_id)
    try:
        saved = await deps.rules.replace(session.token, rules, note.strip() or f"控制台修改 {rule_id}", base_version)
    except ServiceError as exc:
        if exc.status not in (409, 422):
            raise
        errors = _errors(exc)
        return render(
            deps.templates, request, "_rule_edit.html", session, r=edited, version=base_version, errors=errors
        )
    flash = f"{rule_id} 已保存（规则集版本 {saved.get('version')}）"
    return render(
        deps.templates,
        request,
        "_rule_row.html",
        session,
        r=_find(saved, rule_id),
        version=saved.get("version"),
        flash=flash,
    )


def _errors(exc: ServiceError) -> list[str]:
    if exc.status == 409:
        return [f"规则集已被他人修改（{exc.message}），请刷新页面后重新编辑。"]
    details = exc.details if isinstance(exc.details, dict) else {}
    listed = details.get("errors")
    if isinstance(listed, list) and listed:
        return [str(e) for e in listed]
    return [exc.message]

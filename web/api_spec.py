"""The API's OpenAPI 3.1 description, written as data (a test checks it against the routes and the spec)."""

from __future__ import annotations

from typing import Any

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(
    name: str, where: str, description: str, schema: dict[str, Any], required: bool = False
) -> dict[str, Any]:
    return {"name": name, "in": where, "description": description, "required": required, "schema": schema}


PERSON_ID = _param(
    "person_id", "path", "The child's person id (any of their joined records).", {"type": "integer"}, True
)
PAGE = _param("page", "query", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1})
PAGE_SIZE = _param(
    "page_size",
    "query",
    "Items per page.",
    {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
)
DATE = {"type": "string", "format": "date"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


COMMON_ERRORS = {
    "401": _error("Not signed in."),
    "403": _error(
        "Your role does not include this, or the child needs a reason first (reason_required): POST it to "
        "/api/v1/children/{person_id}/break-glass (the break_glass address in the answer)."
    ),
}
CHILD_ERRORS = {
    "400": "A reason was given as a query argument: a GET never records a break-glass; POST it instead.",
    "404": "No such child.",
}


def _get(
    summary: str, schema: dict[str, Any], params: list[dict[str, Any]], tag: str, **errors: Any
) -> dict[str, Any]:
    responses = {"200": {"description": "OK", "content": {JSON: {"schema": schema}}}, **COMMON_ERRORS}
    responses.update({code: _error(text) for code, text in errors.items()})
    return {"get": {"summary": summary, "tags": [tag], "parameters": params, "responses": responses}}


OBJECT = {"type": "object"}
NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string"},
            "reason_required": {"type": "boolean"},
            "break_glass": {"type": "string", "description": "Where to POST a reason for this child."},
        },
    },
    "ChildHit": {
        "type": "object",
        "properties": {
            "person_id": {"type": "integer"},
            "name": NULLABLE_STRING,
            "dob": NULLABLE_STRING,
            "age": NULLABLE_STRING,
            "identifiers": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "agencies": {"type": "array", "items": {"type": "string"}},
            "current_plan": {"type": ["object", "null"]},
        },
    },
    "Plan": {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["cp", "cin", "looked_after"]},
            "number": {"type": "integer"},
            "start": DATE,
            "end": {"type": ["string", "null"], "format": "date"},
            "category": NULLABLE_STRING,
            "previous_reported": {"type": ["integer", "null"]},
            "start_event_id": {"type": ["integer", "null"]},
            "end_event_id": {"type": ["integer", "null"]},
        },
    },
    "Event": {
        "type": "object",
        "description": "One chronology event: what the source said, its people, provenance and link groups.",
        "properties": {
            "id": {"type": "integer"},
            "date": {
                "type": ["string", "null"],
                "description": "ISO at the precision known: 2021, 2021-03 or 2021-03-04",
            },
            "date_precision": {"type": "string", "enum": ["day", "month", "year", "unknown"]},
            "date_uncertain": {"type": "boolean"},
            "agency": {"type": "string"},
            "event_type": {"type": "string"},
            "themes": {"type": "array", "items": {"type": "string"}},
            "summary": {"type": "string"},
            "significant": {"type": "boolean"},
            "persons": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "name": NULLABLE_STRING,
                        "role": NULLABLE_STRING,
                        "relationship": NULLABLE_STRING,
                        "person_id": {"type": ["integer", "null"]},
                        "display": {"type": "string"},
                        "ambiguous": {"type": "boolean"},
                    },
                },
            },
            "provenance": {
                "type": "object",
                "properties": {
                    "source_system": {"type": "string"},
                    "file": {"type": "string"},
                    "row": {"type": ["integer", "null"]},
                    "path": NULLABLE_STRING,
                    "sheet": NULLABLE_STRING,
                    "record_id": NULLABLE_STRING,
                    "import_id": {"type": "integer"},
                },
            },
            "incident_cluster": NULLABLE_STRING,
            "episode": NULLABLE_STRING,
        },
    },
    "Flag": {
        "type": "object",
        "properties": {
            "pattern": {"type": "string"},
            "title": NULLABLE_STRING,
            "evidence_from": DATE,
            "evidence_to": DATE,
            "events": {"type": "array", "items": {"type": "integer"}},
            "detail": {"type": "string"},
        },
    },
}


def _page_of(item: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "page_size": {"type": "integer"},
            item: {"type": "array", "items": OBJECT},
            **extra,
        },
    }


def _events_page() -> dict[str, Any]:
    page = _page_of("events", pages={"type": "integer"}, filters=OBJECT)
    page["properties"]["events"] = {"type": "array", "items": _ref("Event")}
    return page


PATHS: dict[str, Any] = {
    "/api/v1/children": _get(
        "Find children by name, date of birth or identifier (as the search page).",
        {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "pages": {"type": "integer"},
                "too_many": {"type": "boolean"},
                "children": {"type": "array", "items": _ref("ChildHit")},
            },
        },
        [_param("q", "query", "A name, a date of birth or an identifier.", {"type": "string"}, True), PAGE],
        "children",
        **{"400": "No q given."},
    ),
    "/api/v1/children/{person_id}": _get(
        "One child: identity, family, plans and the periods each agency's data covers.",
        {
            "type": "object",
            "properties": {
                "person_id": {"type": "integer"},
                "name": NULLABLE_STRING,
                "dob": NULLABLE_STRING,
                "identifiers": OBJECT,
                "family": {"type": "array", "items": OBJECT},
                "plans": {"type": "array", "items": _ref("Plan")},
                "coverage": {"type": "array", "items": OBJECT},
                "access": OBJECT,
            },
        },
        [PERSON_ID],
        "children",
        **CHILD_ERRORS,
    ),
    "/api/v1/children/{person_id}/chronology": _get(
        "The child's events, oldest first, with the timeline's filters, a page at a time.",
        _events_page(),
        [
            PERSON_ID,
            _param(
                "agency",
                "query",
                "Only these top-level agencies (Police, Health, Education, ...); repeatable.",
                {"type": "array", "items": {"type": "string"}},
            ),
            _param(
                "theme",
                "query",
                "Only events with any of these risk themes; repeatable.",
                {"type": "array", "items": {"type": "string"}},
            ),
            _param(
                "significance",
                "query",
                "Significant or not, by the practitioners' latest judgement, else the agency's.",
                {"type": "string", "enum": ["significant", "not_significant"]},
            ),
            _param(
                "person",
                "query",
                "Only events naming this family member (their key: the lowest of their person ids).",
                {"type": "string"},
            ),
            _param("from", "query", "Only events that may fall on or after this date.", DATE),
            _param("to", "query", "Only events that may fall on or before this date.", DATE),
            PAGE,
            PAGE_SIZE,
        ],
        "children",
        **{**CHILD_ERRORS, "400": "A filter could not be read, or a reason was given as a query argument."},
    ),
    "/api/v1/children/{person_id}/links": _get(
        "The child's link graph: links with their reasons, incident clusters and episodes.",
        {
            "type": "object",
            "properties": {
                "person_id": {"type": "integer"},
                "links": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "from": {"type": "integer"},
                            "to": {"type": "integer"},
                            "kind": {
                                "type": "string",
                                "enum": ["same_incident", "led_to", "same_person", "follows"],
                            },
                            "reason": {"type": "string"},
                        },
                    },
                },
                "clusters": {"type": "object", "additionalProperties": {"type": "string"}},
                "episodes": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        [PERSON_ID],
        "children",
        **CHILD_ERRORS,
    ),
    "/api/v1/children/{person_id}/flags": _get(
        "The audit patterns found for the child, with their evidence.",
        {
            "type": "object",
            "properties": {
                "person_id": {"type": "integer"},
                "as_of": {"type": ["string", "null"], "format": "date"},
                "flags": {"type": "array", "items": _ref("Flag")},
            },
        },
        [PERSON_ID],
        "children",
        **CHILD_ERRORS,
    ),
    "/api/v1/children/{person_id}/harm": _get(
        "The cumulative-harm index at each month's end and every contribution to it.",
        {
            "type": "object",
            "properties": {
                "child_person_id": {"type": "integer"},
                "points": {"type": "array", "items": OBJECT},
                "contributions": {"type": "array", "items": OBJECT},
            },
        },
        [PERSON_ID],
        "children",
        **CHILD_ERRORS,
    ),
    "/api/v1/imports": _get(
        "Every import's report, newest first (data officers and administrators).",
        _page_of("imports"),
        [PAGE, PAGE_SIZE],
        "imports",
    ),
    "/api/v1/imports/{batch_id}": _get(
        "One import's report with its rejected rows and warnings (data officers and administrators).",
        _page_of("issues", report=OBJECT),
        [
            _param("batch_id", "path", "The import's id.", {"type": "integer"}, True),
            _param(
                "kind",
                "query",
                "Only rejected rows or only warnings.",
                {"type": "string", "enum": ["rejected", "warning"]},
            ),
            PAGE,
            PAGE_SIZE,
        ],
        "imports",
        **{"404": "No such import."},
    ),
    "/api/v1/children/{person_id}/break-glass": {
        "post": {
            "summary": (
                "Break-glass: give the reason you need a child not allocated to your team. Recorded in the "
                "access log; the child's GET routes then open for this session for the break-glass time "
                "(config/web.toml), each view logged with the reason. Needs the session's CSRF token in "
                "the X-CSRFToken header (GET /api/v1/csrf-token) and, over https, a Referer on this host."
            ),
            "tags": ["children"],
            "parameters": [PERSON_ID],
            "requestBody": {
                "required": True,
                "content": {
                    JSON: {
                        "schema": {
                            "type": "object",
                            "required": ["reason"],
                            "properties": {"reason": {"type": "string", "minLength": 10, "maxLength": 1000}},
                        }
                    }
                },
            },
            "responses": {
                "201": {
                    "description": "Recorded; the child is open to this session until the time given.",
                    "content": {
                        JSON: {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "person_id": {"type": "integer"},
                                    "reason": {"type": "string"},
                                    "until": {"type": "string", "format": "date-time"},
                                },
                            }
                        }
                    },
                },
                "400": _error("No CSRF token, or no reason of 10 to 1000 characters."),
                "401": _error("Not signed in."),
                "404": _error("No such child."),
            },
        }
    },
    "/api/v1/csrf-token": _get(
        "The session's CSRF token, to send in the X-CSRFToken header of a POST.",
        {"type": "object", "properties": {"csrf_token": {"type": "string"}}},
        [],
        "meta",
    ),
    "/api/v1/openapi.json": _get("This description.", OBJECT, [], "meta"),
}


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Multi-agency chronology API",
            "version": "1",
            "description": (
                "The web service's data as JSON. Sign in through the service (a session cookie); every call "
                "has the same roles and access rules as the pages, and every view of a child is written to "
                "the access log. Every operation is a GET that changes nothing, except break-glass: a POST "
                "with the session's CSRF token, recorded in the access log."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "chronology_session"}},
        },
    }

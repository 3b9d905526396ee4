"""Every route the app has is listed here with the test that covers it: a new route fails
this test until it is added (and tested)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.routing import APIRoute

from retain.web.app import ROUTE_MODULES

COVERED = {
    ("GET", "/"): "test_pages.test_decks_page_shows_counts",
    ("GET", "/healthz"): "test_routes.test_health",
    ("GET", "/import"): "test_pages.test_pages_render_with_no_decks",
    ("POST", "/import/preview"): "test_pages.test_import_paste_preview_fix_save",
    ("POST", "/import/draft"): "test_pages.test_import_paste_preview_fix_save",
    ("POST", "/import/save"): "test_pages.test_import_paste_preview_fix_save",
    ("GET", "/decks/{deck_id}"): "test_pages.test_deck_editor_search_add_edit_delete",
    ("POST", "/decks/{deck_id}/rename"): "test_pages.test_deck_editor_search_add_edit_delete",
    ("POST", "/decks/{deck_id}/delete"): "test_pages.test_deck_editor_search_add_edit_delete",
    ("POST", "/decks/{deck_id}/cards"): "test_pages.test_deck_editor_search_add_edit_delete",
    ("POST", "/cards/{note_id}"): "test_pages.test_deck_editor_search_add_edit_delete",
    ("POST", "/cards/{note_id}/delete"): "test_pages.test_deck_editor_search_add_edit_delete",
    ("GET", "/study"): "test_pages.test_study_page_in_every_mode",
    ("POST", "/study/answer"): "test_pages.test_study_a_typed_answer_then_undo",
    ("POST", "/study/grade"): "test_pages.test_study_a_typed_answer_then_undo",
    ("POST", "/study/undo"): "test_pages.test_study_a_typed_answer_then_undo",
    ("POST", "/study/match"): "test_pages.test_study_page_in_every_mode",
    ("GET", "/stats"): "test_pages.test_stats_page",
    ("GET", "/stats/figures/{name}.svg"): "test_pages.test_the_statistics_page_shows_the_figures",
    ("GET", "/api/csrf"): "test_security.test_state_changes_need_the_csrf_token",
    ("GET", "/api/decks"): "test_api.test_decks_are_listed_with_their_counts",
    ("GET", "/api/decks/{deck_id}"): "test_api.test_decks_are_listed_with_their_counts",
    ("PATCH", "/api/decks/{deck_id}"): "test_api.test_rename_and_delete_a_deck",
    ("DELETE", "/api/decks/{deck_id}"): "test_api.test_rename_and_delete_a_deck",
    ("GET", "/api/decks/{deck_id}/cards"): "test_api.test_cards_add_edit_search_delete",
    ("POST", "/api/decks/{deck_id}/cards"): "test_api.test_cards_add_edit_search_delete",
    ("GET", "/api/cards/{note_id}"): "test_api.test_unknown_ids_are_404_with_a_message",
    ("PUT", "/api/cards/{note_id}"): "test_api.test_cards_add_edit_search_delete",
    ("DELETE", "/api/cards/{note_id}"): "test_api.test_cards_add_edit_search_delete",
    ("POST", "/api/import/preview"): "test_api.test_preview_then_import",
    ("POST", "/api/import/preview/file"): "test_api.test_uploaded_file_is_previewed",
    ("POST", "/api/import/draft"): "test_api.test_draft_edits",
    ("POST", "/api/import"): "test_api.test_preview_then_import",
    ("GET", "/api/study/next"): "test_api.test_every_mode_asks_checks_and_records",
    ("POST", "/api/study/answer"): "test_api.test_typed_answer_graded_then_recorded",
    ("POST", "/api/study/grade"): "test_api.test_typed_answer_graded_then_recorded",
    ("POST", "/api/study/match"): "test_api.test_a_match_round_is_recorded_as_a_whole",
    ("POST", "/api/study/undo"): "test_api.test_overruling_and_undo",
    ("GET", "/api/stats"): "test_api.test_stats",
    ("GET", "/classes"): "test_classes.test_a_teacher_makes_a_class_and_reads_its_report",
    ("POST", "/classes"): "test_classes.test_a_teacher_makes_a_class_and_reads_its_report",
    ("GET", "/classes/{class_id}"):
        "test_classes.test_a_teacher_makes_a_class_and_reads_its_report",
    ("POST", "/classes/{class_id}/decks"):
        "test_classes.test_a_teacher_makes_a_class_and_reads_its_report",
    ("GET", "/classes/{class_id}/decks/{deck_id}/report.csv"):
        "test_classes.test_a_teacher_makes_a_class_and_reads_its_report",
    ("GET", "/api/classes/{class_id}/decks/{deck_id}/report"):
        "test_classes.test_a_teacher_makes_a_class_and_reads_its_report",
    # Server mode (each route is in test_authorization's matrix too).
    ("GET", "/signin"): "test_accounts.test_sign_up_sign_in_sign_out_pages",
    ("POST", "/signin"): "test_accounts.test_sign_up_sign_in_sign_out_pages",
    ("GET", "/signup"): "test_accounts.test_sign_up_sign_in_sign_out_pages",
    ("POST", "/signup"): "test_accounts.test_sign_up_sign_in_sign_out_pages",
    ("POST", "/signout"): "test_accounts.test_sign_up_sign_in_sign_out_pages",
    ("POST", "/api/auth/signup"): "test_accounts.test_api_session_rotates_and_ends",
    ("POST", "/api/auth/signin"): "test_accounts.test_api_session_rotates_and_ends",
    ("POST", "/api/auth/signout"): "test_accounts.test_api_session_rotates_and_ends",
    ("GET", "/api/auth/me"): "test_accounts.test_api_session_rotates_and_ends",
    ("POST", "/classes/join"): "test_accounts.test_teacher_makes_a_class_student_joins",
    ("GET", "/join/{code}"): "test_accounts.test_teacher_makes_a_class_student_joins",
    ("GET", "/api/classes"): "test_accounts.test_teacher_makes_a_class_student_joins",
    ("POST", "/api/classes"): "test_accounts.test_teacher_makes_a_class_student_joins",
    ("POST", "/api/classes/join"): "test_accounts.test_teacher_makes_a_class_student_joins",
    ("GET", "/api/classes/{class_id}"): "test_authorization.test_authorization_matrix",
    ("GET", "/api/classes/{class_id}/students"):
        "test_accounts.test_teacher_makes_a_class_student_joins",
}


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    routers: list[tuple[str, list[object]]] = [("", list(app.routes))]
    for module in ROUTE_MODULES:
        routers += [(r.prefix, list(r.routes)) for r in (module.pages, module.api)]
    for _prefix, routes in routers:
        for route in routes:
            if isinstance(route, APIRoute):
                for method in route.methods - {"HEAD"}:
                    found.add((method, route.path))
    return found


def test_every_route_is_covered(app: FastAPI) -> None:
    routes = _routes(app)
    assert routes - COVERED.keys() == set(), "routes with no row in COVERED"
    assert COVERED.keys() - routes == set(), "rows in COVERED for routes that are gone"


def test_health(client: object) -> None:
    from fastapi.testclient import TestClient

    assert isinstance(client, TestClient)
    assert client.get("/healthz").json() == {"status": "ok"}


def _example_path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def test_no_request_could_reach_two_routes() -> None:
    """The routers are matched in an order of their own (the study API first): that
    changes no request's route, since no path of one route's is another's."""
    routes = [
        route
        for module in ROUTE_MODULES
        for router in (module.pages, module.api)
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    for route in routes:
        path = _example_path(route.path)
        others = [
            other.path
            for other in routes
            if other is not route
            and other.methods & route.methods
            and other.path_regex.match(path)
        ]
        assert others == [], f"{path} ({route.path}) is also a path of {others}"

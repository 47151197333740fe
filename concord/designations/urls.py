from __future__ import annotations

from django.urls import path

from . import views, views_review, views_rounds, views_screen

app_name = "designations"

urlpatterns = [
    path("", views.home, name="home"),
    # national lists and their imports
    path("lists/", views.list_index, name="lists"),
    path("lists/<str:code>/", views.list_detail, name="list"),
    path("lists/<str:code>/import/", views.list_import, name="list_import"),
    path("lists/<str:code>/import/apply/", views.list_import_apply, name="list_import_apply"),
    # organisations
    path("organisations/", views.organisation_index, name="organisations"),
    path(
        "organisations/<str:organisation_id>/",
        views.organisation_detail,
        name="organisation",
    ),
    # review queue and alias store
    path("review/", views_review.review, name="review"),
    path("review/judge/", views_review.judge, name="judge"),
    path("review/judgements/<int:judgement_id>/undo/", views_review.undo, name="undo"),
    path("review/harmonise/", views_review.harmonise, name="harmonise"),
    path("aliases/", views_review.aliases, name="aliases"),
    path("aliases/groups/", views_review.alias_group_create, name="alias_group_create"),
    path(
        "aliases/groups/<int:group_id>/names/", views_review.alias_name_add, name="alias_name_add"
    ),
    path(
        "aliases/names/<int:name_id>/remove/",
        views_review.alias_name_remove,
        name="alias_name_remove",
    ),
    # harmonisation rounds
    path("rounds/", views_rounds.round_index, name="rounds"),
    path("rounds/open/", views_rounds.round_open, name="round_open"),
    path("rounds/<int:number>/", views_rounds.round_detail, name="round"),
    path("rounds/<int:number>/close/", views_rounds.round_close, name="round_close"),
    path("rounds/items/<int:item_id>/answer/", views_rounds.round_answer, name="round_answer"),
    # published versions
    path("published/", views.publication_index, name="publications"),
    path("published/publish/", views.publish, name="publish"),
    path("published/<int:number>/", views.publication_detail, name="publication"),
    path(
        "published/<int:number>/download/<str:fmt>/",
        views.publication_download,
        name="download",
    ),
    # screening
    path("screen/", views_screen.screen, name="screen"),
    path("screen/file/", views_screen.screen_file, name="screen_file"),
    path("screen/runs/<int:run_id>/", views_screen.run_detail, name="run"),
    path("screen/runs/<int:run_id>/download/", views_screen.run_download, name="run_download"),
]

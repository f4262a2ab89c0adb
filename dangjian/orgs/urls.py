from django.urls import path

from dangjian.orgs.views import actions, committees, tree, units

app_name = "orgs"

urlpatterns = [
    path("", tree.tree, name="tree"),
    path("warnings/", tree.warning_list, name="warnings"),
    path("new/", actions.create_root, name="create_root"),
    path("<int:pk>/", tree.detail, name="detail"),
    path("<int:pk>/children/", tree.children, name="children"),
    path("<int:pk>/add/", actions.create_child, name="create_child"),
    path("<int:pk>/edit/", actions.edit, name="edit"),
    path("<int:pk>/move/", actions.move, name="move"),
    path("<int:pk>/move/options/", actions.move_options, name="move_options"),
    path("<int:pk>/merge/", actions.merge, name="merge"),
    path("<int:pk>/merge/options/", actions.merge_options, name="merge_options"),
    path("<int:pk>/dissolve/", actions.dissolve, name="dissolve"),
    path("<int:pk>/units/", actions.set_units, name="set_units"),
    path("<int:pk>/terms/new/", committees.term_create, name="term_create"),
    path("committees/<int:pk>/posts/new/", committees.post_add, name="post_add"),
    path("committees/<int:pk>/people/", committees.post_people, name="post_people"),
    path("posts/<int:pk>/end/", committees.post_end, name="post_end"),
    path("units/", units.unit_list, name="units"),
    path("units/new/", units.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", units.unit_edit, name="unit_edit"),
]

from dangjian.core.permissions import register

VIEW_ORGANIZATION = register("orgs.view_organization", "查看党组织")
MANAGE_ORGANIZATION = register(
    "orgs.manage_organization", "管理党组织（新建、更名、调整隶属、合并、撤销）"
)
VIEW_COMMITTEE = register("orgs.view_committee", "查看班子")
MANAGE_COMMITTEE = register("orgs.manage_committee", "管理班子与换届")
MANAGE_UNIT = register("orgs.manage_unit", "管理行政单位")

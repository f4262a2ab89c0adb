from dangjian.core.permissions import register

VIEW_USER = register("accounts.view_user", "查看用户")
MANAGE_USER = register("accounts.manage_user", "管理用户（新建、停用、重置密码）")
MANAGE_ROLE = register("accounts.manage_role", "管理角色")
GRANT_ROLE = register("accounts.grant_role", "授予和收回角色")
VIEW_ROLE_ASSIGNMENT = register("accounts.view_role_assignment", "查看角色授权")
UNLOCK_USER = register("accounts.unlock_user", "解除账号锁定")
MANAGE_SECURITY_POLICY = register("accounts.manage_security_policy", "管理密码与锁定策略")

"""Permissions of the portal, each held over a site's organisation subtree."""

from dangjian.core.permissions import register

WRITE_ARTICLE = register("portal.write_article", "撰写和投稿文章（门户、信息交流）")
REVIEW_ARTICLE = register("portal.review_article", "审核文章（初审与保密审查）")
APPROVE_ARTICLE = register("portal.approve_article", "审批发布文章、撤稿")
MANAGE_DOWNLOADS = register("portal.manage_downloads", "管理下载专区与共享资料")
MANAGE_SITE = register("portal.manage_site", "管理站点、栏目与首页区块")

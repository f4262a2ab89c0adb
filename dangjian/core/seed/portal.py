"""The portal of the demo data (issue 6): sites, articles, pictures, attachments, downloads.

Written after the organisations and the demo accounts (it reads them back from the database,
so `write_portal` also runs on its own over an existing tree, e.g. a bench database seeded
before the portal existed).

Mine scale (`make demo`): the group's site and the demo mine's site (`open_site`, with their
default columns and home blocks), about 300 articles of a coal mine's party work over the last
twelve months — news, 先进典型 and 图片新闻 public, 通知公告 and 组工家园 for every logged-in
member, 党务公开 limited to the mine or to one branch — a few pinned notices, Word-like tables
in the 党务公开 items, pictures drawn locally with Pillow (gradients, shapes and a Chinese
caption in Noto Sans CJK when the system has it) and stored through `services.media.upload_media`
(so they have real renditions), .docx attachments with their text, a downloads library with
folders and versions, the 三审 trail of every published item, and a few drafts, submitted,
reviewed and returned items for the demo 宣传干事 (`xuanchuan`) and 宣传部长 (`xcbz`).

Group scale (the bench): a site for the group, every 二级党委 and every mine, 50 000 short
articles spread over them (per 150 000 members; a smaller test shape gets proportionally fewer),
a few pictures on the group's and the measured mine's sites, no trail.

Every row is written with bulk INSERTs; the search index is filled with the search app's bulk
indexer when it is installed. Deterministic: everything is drawn from the seed's streams, dates
are offsets from `today`, media keys come from the stream too.
"""

from __future__ import annotations

import io
import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.html import escape

from dangjian.core.seed import portal_corpus as corpus

ZONE = ZoneInfo(settings.TIME_ZONE)
GROUP_ARTICLES = 50_000  # at 150 000 members
GROUP_MEMBERS = 150_000
BATCH = 2_000
FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
PALETTES = (
    ((178, 24, 28), (246, 196, 72)),  # party red → gold
    ((20, 70, 140), (120, 180, 230)),  # sky
    ((40, 44, 52), (150, 150, 160)),  # coal
    ((30, 110, 60), (170, 210, 120)),  # green mine
    ((150, 20, 30), (60, 10, 20)),  # deep red
)

# Articles of the demo mine per column, and of the group's own site.
MINE_COLUMNS = {
    "notices": 30, "organization": 40, "news": 80, "models": 22, "photos": 24,
    "disclosure": 44, "enterprise": 16, "policies": 20,
}  # fmt: skip
GROUP_SITE_COLUMNS = {"notices": 14, "news": 14, "models": 4, "photos": 6, "policies": 6}
# The share of each column in the group scale's articles.
GROUP_MIX = {
    "notices": 12, "organization": 14, "news": 30, "models": 6, "photos": 6,
    "disclosure": 14, "enterprise": 6, "policies": 12,
}  # fmt: skip
PUBLIC_COLUMNS = {"news", "models", "photos", "enterprise"}


@dataclass
class PortalSummary:
    sites: int = 0
    articles: int = 0
    published: int = 0
    pictures: int = 0
    attachments: int = 0
    downloads: int = 0
    indexed: int | None = None  # None: the search app has no bulk indexer


@dataclass
class _Site:
    site: object
    organization: object
    columns: dict
    branches: list = field(default_factory=list)  # (pk, name) of its branches
    name: str = ""  # short name used in titles (一矿党委)


def seeded_portal_models() -> list:
    """The models this module fills, each after those it points to (tests empty them in
    reverse order before seeding again)."""
    from dangjian.portal import models

    return [
        models.Site, models.Column, models.HomeBlock, models.Tag, models.MediaAsset,
        models.Article, models.ArticleRevision, models.ArticleAction, models.ArticleAttachment,
        models.DownloadFolder, models.DownloadItem, models.DownloadVersion,
    ]  # fmt: skip


def write_portal(
    *,
    scale: str,
    rng_for: Callable[[str], random.Random],
    today: date,
    progress: Callable[[str], None] = lambda message: None,
    members: int | None = None,
) -> PortalSummary:
    """Write the portal over the organisations and accounts already in the database.
    `members` (the group's size) scales the group's 50 000 articles."""
    from dangjian.accounts.models import User

    users = {user.username: user for user in User.objects.filter(username__in=_USERNAMES)}
    writer = _Writer(scale, rng_for, today, users)
    summary = PortalSummary()
    sites = writer.open_sites()
    summary.sites = len(sites)
    if scale == "mine":
        group, mine = sites[0], sites[-1]
        pictures = writer.pictures(mine, 14) + writer.pictures(group, 4)
        writer.plan_site(group, GROUP_SITE_COLUMNS, pictures=pictures[-4:])
        writer.plan_site(mine, MINE_COLUMNS, pictures=pictures[:14], rich=True)
        writer.plan_in_progress(mine)
    else:
        total = round(GROUP_ARTICLES * (members or GROUP_MEMBERS) / GROUP_MEMBERS)
        measured = _measured_mine(sites)
        pictures = writer.pictures(sites[0], 6) + writer.pictures(measured, 6)
        for index, site in enumerate(sites):
            count = _share(total, len(sites), index)
            columns = _mix(count)
            extra = pictures[:6] if index == 0 else pictures[6:] if site is measured else []
            writer.plan_site(site, columns, pictures=extra, short=True)
    summary.pictures = len(pictures)
    _links(sites)
    ids = writer.write_articles()
    summary.articles = len(ids)
    summary.published = writer.published
    progress(f"门户：站点 {len(sites)} 个，文章 {len(ids)} 篇，图片 {len(pictures)} 张")
    if scale == "mine":
        summary.attachments = writer.attachments(mine)
        summary.downloads = writer.downloads(mine)
    summary.indexed = _index(ids, progress)
    return summary


_USERNAMES = ("jituan", "zuzhibu", "xuanchuan", "xcbz", "shuji")


def _share(total: int, parts: int, index: int) -> int:
    """`total` over `parts` sites: the group's own site gets a double share."""
    unit = total / (parts + 1)
    start = round(unit * (index + (index > 0)))
    end = round(unit * (index + 1 + 1))
    return end - start


def _mix(count: int) -> dict[str, int]:
    weights = sum(GROUP_MIX.values())
    mix = {slug: count * weight // weights for slug, weight in GROUP_MIX.items()}
    mix["news"] += count - sum(mix.values())
    return mix


def _measured_mine(sites: list[_Site]) -> _Site:
    """The mine the bench measures: the 党委 with the most organisations under it."""
    ranked = sorted(
        sites[1:], key=lambda site: (-site.organization.numchild, site.organization.path)
    )
    return ranked[0]


def _index(ids: list[int], progress) -> int | None:
    try:
        from dangjian.search.indexing import index_articles
    except ImportError:
        return None
    indexed = 0
    for start in range(0, len(ids), 5_000):
        indexed += index_articles(ids[start : start + 5_000]) or 0
        if len(ids) > 5_000:
            progress(f"门户：全文索引 {min(start + 5_000, len(ids))} / {len(ids)}")
    return indexed


class _Writer:
    def __init__(self, scale, rng_for, today, users):
        self.scale = scale
        self.rng = rng_for("portal")
        self.picture_rng = rng_for("portal-pictures")
        self.today = today
        self.now = datetime.combine(today, time(8, 30), tzinfo=ZONE)
        self.users = users
        self.planned: list[dict] = []
        self.published = 0
        self.tags: dict[str, object] = {}
        self.person_names = self._person_names()

    # --- sites --------------------------------------------------------------------------------

    def open_sites(self) -> list[_Site]:
        from dangjian.orgs.models import Organization, OrgType
        from dangjian.portal.services.sites import open_site

        actor = self.users.get("jituan")
        root = Organization.objects.get(depth=1)
        committees = [root]
        pattern = re.compile(r"-(E\d+|K\d+)$")
        candidates = Organization.objects.filter(
            org_type=OrgType.COMMITTEE, depth__gt=1, is_active=True
        ).order_by("path")
        committees += [org for org in candidates if pattern.search(org.code or "")]
        if self.scale == "mine":
            committees = committees[:2]
        sites = []
        for organization in committees:
            site = open_site(organization, actor=actor)
            columns = {column.slug: column for column in site.columns.all()}
            branches = list(
                Organization.objects.filter(
                    path__startswith=organization.path,
                    org_type__in=(OrgType.BRANCH, OrgType.JOINT_BRANCH),
                    is_active=True,
                )
                .exclude(name__contains="离退休")
                .order_by("path")
                .values_list("pk", "name")[:60]
            )
            short = organization.short_name or organization.name
            sites.append(_Site(site, organization, columns, branches, short))
        return sites

    # --- pictures -----------------------------------------------------------------------------

    def pictures(self, site: _Site, count: int) -> list:
        """`count` pictures drawn locally and stored through the media service (renditions)."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from dangjian.portal.models import MediaAsset
        from dangjian.portal.services.media import upload_media

        actor = self.users.get("jituan")
        assets = []
        for index in range(count):
            caption = corpus.CAPTIONS[(index + len(site.site.code)) % len(corpus.CAPTIONS)]
            data = draw_picture(self.picture_rng, f"{site.name} · {caption}")
            upload = SimpleUploadedFile(f"{caption}.jpg", data, content_type="image/jpeg")
            asset = upload_media(actor=actor, site=site.site, file=upload, alt=caption)
            key = uuid.UUID(int=self.picture_rng.getrandbits(128), version=4)
            MediaAsset.objects.filter(pk=asset.pk).update(key=key)
            asset.key = key
            assets.append(asset)
        return assets

    # --- articles -----------------------------------------------------------------------------

    def plan_site(self, site: _Site, columns: dict[str, int], *, pictures=(), rich=False,
                  short=False) -> None:  # fmt: skip
        rng = self.rng
        author = self.users.get("xuanchuan") if rich else self.users.get("jituan")
        pictures = list(pictures)
        for slug, count in columns.items():
            column = site.columns.get(slug)
            if column is None or count <= 0:
                continue
            titles = corpus.TITLES[slug]
            for index in range(count):
                days = 1 + int(rng.random() ** 1.3 * 364)
                if slug == "notices" and index < 3:
                    days = 1 + 4 * index  # the pinned notices are recent
                published = self.now - timedelta(days=days, minutes=rng.randrange(0, 600))
                values = self._values(site, rng, published)
                title = titles[index % len(titles)].format(**values)
                if index >= len(titles):
                    title = self._vary(title, rng, values)
                values["title"] = title
                visibility, audience = self._visibility(slug, site, rng)
                cover = None
                if pictures and (
                    slug == "photos" or (slug in ("news", "models") and index % 4 == 0)
                ):
                    cover = pictures[(index + len(slug)) % len(pictures)]
                body = self._body(slug, site, rng, values, short=short, picture=cover, rich=rich)
                pinned = None
                if slug == "notices" and index < 3:
                    pinned = self.now + timedelta(days=10 + 5 * index)
                expire = None
                if slug == "notices" and index % 9 == 8:
                    expire = published + timedelta(days=30)  # an old notice, already taken down
                self.planned.append({
                    "site": site, "column": column, "title": title[:200],
                    "subtitle": rng.choice(corpus.SUBTITLES).format(**values) if rich else "",
                    "source": f"{site.name}宣传部" if slug != "policies" else "党内法规",
                    "author": rng.choice(("宣传部", "组织部", f"{rng.choice(site.branches)[1]}"
                                          if site.branches else "宣传部")),
                    "body": body, "visibility": visibility, "audience": audience,
                    "published_at": published, "pinned_until": pinned, "expire_at": expire,
                    "cover": cover, "view_count": int(rng.paretovariate(1.6) * 40),
                    "tags": rng.sample(corpus.COLUMN_TAGS[slug],
                                       k=min(2, len(corpus.COLUMN_TAGS[slug]))),
                    "created_by": author, "status": "published", "rich": rich,
                })  # fmt: skip

    def plan_in_progress(self, site: _Site) -> None:
        """Work for the demo editors: drafts, items waiting for review or approval, one
        returned with a reason."""
        rng = self.rng
        states = (
            ("draft", "news", "{org}开展井下安全隐患排查（草稿）"),
            ("draft", "organization", "{org}“支部书记讲党课”活动侧记"),
            ("submitted", "news", "{site}举办“安全在我心中”演讲比赛"),
            ("submitted", "disclosure", "{org}第四季度党费收缴情况公示"),
            ("reviewed", "notices", "关于开展年终党建工作考核的通知"),
            ("returned", "models", "先进典型｜{name}：井下“活地图”"),
        )
        for status, slug, template in states:
            values = self._values(site, rng, self.now - timedelta(days=2))
            values["title"] = template.format(**values)
            visibility, audience = self._visibility(slug, site, rng)
            self.planned.append({
                "site": site, "column": site.columns[slug], "title": template.format(**values),
                "subtitle": "", "source": f"{site.name}宣传部", "author": "宣传部",
                "body": self._body(slug, site, rng, values, rich=True), "visibility": visibility,
                "audience": audience, "published_at": None, "pinned_until": None,
                "expire_at": None, "cover": None, "view_count": 0, "tags": [],
                "created_by": self.users.get("xuanchuan"), "status": status, "rich": True,
                "return_reason": "公示内容缺少联系电话和公示期，请补充后重新提交。"
                if status == "returned" else "",
            })  # fmt: skip

    def _values(self, site: _Site, rng, when: datetime) -> dict:
        branch = rng.choice(site.branches)[1] if site.branches else site.name
        quarter = "一二三四"[(when.month - 1) // 3]
        return {
            "site": site.name, "org": branch, "name": rng.choice(self.person_names),
            "month": f"{when.month}月", "year": when.year, "days": rng.choice((500, 800, 1000,
            1500, 2000)), "quarter": f"第{quarter}季度", "date": f"{when.month}月{when.day}日",
            "phone": f"{rng.randrange(10000, 99999)}",
        }  # fmt: skip

    @staticmethod
    def _vary(title: str, rng, values) -> str:
        """A second article from the same template reads differently (another branch and
        month already differ; some get the month or a 动态 mark)."""
        choice = rng.choice(("", "", "month", "mark"))
        if choice == "month" and values["month"] not in title:
            return f"{title}（{values['month']}）"
        if choice == "mark" and not title.startswith(("关于", "中国共产党", "图片新闻")):
            return f"【动态】{title}"
        return title

    def _visibility(self, slug: str, site: _Site, rng) -> tuple[str, list[int]]:
        if slug in PUBLIC_COLUMNS:
            return "public", []
        if slug == "notices":
            return ("public", []) if rng.random() < 0.25 else ("members", [])
        if slug == "disclosure":
            if site.branches and rng.random() < 0.3:
                return "orgs", [rng.choice(site.branches)[0]]
            return "orgs", [site.organization.pk]
        return "members", []

    def _body(self, slug, site, rng, values, *, short=False, picture=None, rich=False) -> str:
        fill = values.copy()
        if short:
            return corpus.SHORT_TEMPLATE.format(
                opening=rng.choice(corpus.OPENINGS).format(**fill),
                middle=rng.choice(corpus.MIDDLES).format(**fill),
            )
        parts = []
        if slug == "policies":
            parts = [f"<p>{escape(line.format(**fill))}</p>" for line in corpus.POLICY_LINES]
        elif slug in ("disclosure", "enterprise"):
            parts.append(f"<p>{escape(corpus.DISCLOSURE_LINES[0].format(**fill))}</p>")
            parts.append(self._table(slug, site, rng, fill))
            parts += [f"<p>{escape(line.format(**fill))}</p>" for line in
                      corpus.DISCLOSURE_LINES[1:]]  # fmt: skip
        else:
            parts.append(f"<p>{escape(rng.choice(corpus.OPENINGS).format(**fill))}</p>")
            for sentence in rng.sample(corpus.MIDDLES, k=rng.randint(2, 4)):
                parts.append(f"<p>{escape(sentence)}</p>")
            if picture is not None:
                from dangjian.portal.services.media import media_url

                parts.insert(1, f'<p><img src="{media_url(picture, 800)}" '
                                f'alt="{escape(picture.alt)}"></p>')  # fmt: skip
            if rich and rng.random() < 0.15:
                parts.append(self._table("news", site, rng, fill))
            parts.append(f"<p>{escape(rng.choice(corpus.CLOSINGS).format(**fill))}</p>")
        return "".join(parts)

    def _table(self, slug, site, rng, fill) -> str:
        """A table as Word pastes it (bold header cells, a border), fitting the title: the
        quarter's dues, the people proposed, the election result, or production figures."""
        title = fill.get("title", "")
        if "党费" in title:
            header, rows = corpus.DUES_HEADER, []
            due = rng.randrange(20, 50)
            first = 3 * ("一二三四".index(fill["quarter"][1])) + 1
            for month in range(first, first + 3):
                paid = due - (rng.random() < 0.25)
                amount = due * rng.uniform(12, 40)
                note = "" if paid == due else "1 人外出培训，已补交"
                rows.append((f"{month}月", str(due), str(paid), f"{amount:.2f}",
                             f"{amount * paid / due:.2f}", note))  # fmt: skip
        elif any(word in title for word in ("发展党员", "转正", "积极分子")):
            header = corpus.DEVELOPMENT_HEADER
            stage = "预备党员" if "转正" in title else "发展对象"
            rows = [(rng.choice(self.person_names), rng.choice("男男男女"),
                     f"{rng.randrange(1988, 2002)}.{rng.randrange(1, 13):02d}",
                     rng.choice(corpus.EDUCATIONS), rng.choice(corpus.POSTS),
                     f"{rng.randrange(2021, 2025)}.{rng.randrange(1, 13):02d}", stage)
                    for _ in range(rng.randint(1, 3))]  # fmt: skip
        elif "换届" in title:
            header = corpus.ELECTION_HEADER
            expected = rng.randrange(25, 48)
            posts = ("书记", "副书记", "组织委员", "宣传委员", "纪检委员")
            chosen = posts[: rng.choice((3, 5))]
            rows = [(str(number), rng.choice(self.person_names), post,
                     str(expected - rng.randrange(0, 4)), str(expected))
                    for number, post in enumerate(chosen, start=1)]  # fmt: skip
        elif slug in ("enterprise", "news"):
            header = corpus.SAFETY_HEADER
            names = [name for _, name in rng.sample(site.branches, k=min(4, len(site.branches)))]
            rows = [(name.replace("党支部", ""), f"{rng.uniform(3, 40):.1f}",
                     str(rng.randrange(300, 1500)), str(rng.randrange(5, 60)), "100%")
                    for name in names or [site.name]]  # fmt: skip
        else:
            return ""
        head = "".join(f"<td><strong>{escape(cell)}</strong></td>" for cell in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
        )
        return f'<table border="1"><tbody><tr>{head}</tr>{body}</tbody></table>'

    def _person_names(self) -> list[str]:
        from dangjian.members.models import Person

        names = list(Person.objects.order_by("pk").values_list("name", flat=True)[:400])
        return names or ["张建国", "李卫东", "王海军", "赵志刚", "刘春生", "陈晓明"]

    def write_articles(self) -> list[int]:
        from django.db import transaction

        from dangjian.portal.models import Article, ArticleRevision, Tag

        sanitize, to_text = _text_tools()
        for name in corpus.TAGS:
            self.tags[name] = Tag.objects.get_or_create(name=name)[0]
        ids: list[int] = []
        with transaction.atomic():
            for start in range(0, len(self.planned), BATCH):
                batch = self.planned[start : start + BATCH]
                rows = []
                for plan in batch:
                    body = sanitize(plan["body"])
                    text = to_text(body)
                    rows.append(Article(
                        site=plan["site"].site, column=plan["column"], title=plan["title"],
                        subtitle=plan["subtitle"], source=plan["source"],
                        author=plan["author"], cover=plan["cover"],
                        summary=_summary(plan, text),
                        body=body, body_text=text, status=plan["status"],
                        visibility=plan["visibility"],
                        secrecy_checked=plan["column"].needs_secrecy_review
                        and plan["status"] == "published",
                        pinned_until=plan["pinned_until"], expire_at=plan["expire_at"],
                        published_at=plan["published_at"], view_count=plan["view_count"],
                        revision_number=1 if plan["rich"] else 0,
                        return_reason=plan.get("return_reason", ""),
                        created_by=plan["created_by"], updated_by=plan["created_by"],
                    ))  # fmt: skip
                created = Article.objects.bulk_create(rows)  # RETURNING gives the keys
                for plan, article in zip(batch, created, strict=True):
                    plan["article"] = article
                    ids.append(article.pk)
                self._relations(batch)
            rich = [plan for plan in self.planned if plan["rich"]]
            ArticleRevision.objects.bulk_create(
                ArticleRevision(
                    article=plan["article"], number=1, title=plan["title"],
                    subtitle=plan["subtitle"], summary=plan["article"].summary,
                    body=plan["article"].body, note="初稿", created_by=plan["created_by"],
                )
                for plan in rich
            )  # fmt: skip
            self._trail(rich)
        self.published = sum(1 for plan in self.planned if plan["status"] == "published")
        return ids

    def _relations(self, batch) -> None:
        from dangjian.portal.models import Article

        tags, audience, media = [], [], []
        for plan in batch:
            pk = plan["article"].pk
            tags += [Article.tags.through(article_id=pk, tag_id=self.tags[name].pk)
                     for name in plan["tags"]]  # fmt: skip
            audience += [Article.audience.through(article_id=pk, organization_id=org)
                         for org in plan["audience"]]  # fmt: skip
            if plan["cover"] is not None:
                media.append(Article.media.through(article_id=pk, mediaasset_id=plan["cover"].pk))
        Article.tags.through.objects.bulk_create(tags)
        Article.audience.through.objects.bulk_create(audience)
        Article.media.through.objects.bulk_create(media)

    def _trail(self, plans) -> None:
        """The 三审 trail of the demo mine's items: 宣传干事 submits, 宣传部长 reviews (with the
        保密审查 where the column asks for it), 组织部 approves and publishes."""
        from dangjian.portal.models import ArticleAction

        writer, reviewer = self.users.get("xuanchuan"), self.users.get("xcbz")
        approver = self.users.get("zuzhibu")
        steps = {
            "submitted": (("submit", "draft", "submitted", writer),),
            "reviewed": (("submit", "draft", "submitted", writer),
                         ("review", "submitted", "reviewed", reviewer)),
            "returned": (("submit", "draft", "submitted", writer),
                         ("return", "submitted", "returned", reviewer)),
            "published": (("submit", "draft", "submitted", writer),
                          ("review", "submitted", "reviewed", reviewer),
                          ("approve", "reviewed", "approved", approver),
                          ("publish", "approved", "published", approver)),
        }  # fmt: skip
        actions = []
        for plan in plans:
            end = plan["published_at"] or self.now - timedelta(hours=20)
            chain = steps.get(plan["status"], ())
            for number, (kind, before, after, actor) in enumerate(chain):
                at = end - timedelta(hours=3 * (len(chain) - 1 - number))
                note = ""
                if kind == "return":
                    note = plan["return_reason"]
                elif kind == "review":
                    note = "内容属实，同意发布。"
                actions.append(ArticleAction(
                    article=plan["article"], kind=kind, from_status=before, to_status=after,
                    actor=actor, actor_name=actor.display_name if actor else "", note=note,
                    secrecy_checked=kind == "review" and plan["column"].needs_secrecy_review,
                    at=at,
                ))  # fmt: skip
        ArticleAction.objects.bulk_create(actions)

    # --- attachments and downloads ------------------------------------------------------------

    def attachments(self, site: _Site) -> int:
        """A .docx (or .txt without python-docx) on some 党务公开 and 政策法规 items, with its
        text already extracted, as the extraction task would leave it."""
        from dangjian.portal.models import ArticleAttachment

        chosen = [plan for plan in self.planned if plan["site"] is site
                  and plan["status"] == "published"
                  and plan["column"].slug in ("disclosure", "policies")][::6]  # fmt: skip
        rows = []
        for order, plan in enumerate(chosen):
            lines = [plan["title"], *plan["article"].body_text.split("。")[:6]]
            data, kind = document_bytes(lines)
            attachment = ArticleAttachment(
                article=plan["article"], title=f"{plan['title'][:60]}.{kind}", order=1,
                file_kind=kind, size=len(data), text="\n".join(lines),
                text_status=ArticleAttachment.TextStatus.DONE,
                uploaded_by=plan["created_by"],
            )  # fmt: skip
            attachment.file.save(f"a{order}.{kind}", ContentFile(data), save=False)
            rows.append(attachment)
        ArticleAttachment.objects.bulk_create(rows)
        return len(rows)

    def downloads(self, site: _Site) -> int:
        from dangjian.portal.models import DownloadFolder, DownloadItem, DownloadVersion

        actor = self.users.get("xuanchuan")
        folders: dict[str, DownloadFolder] = {}
        count = 0
        for order, (name, visibility, parent, items) in enumerate(corpus.DOWNLOAD_FOLDERS):
            folder = DownloadFolder.objects.create(
                site=site.site, parent=folders.get(parent), name=name, order=order * 10,
                visibility=visibility, created_by=actor,
            )  # fmt: skip
            folders[name] = folder
            for title, description, versions in items:
                item = DownloadItem.objects.create(
                    site=site.site, folder=folder, title=title, description=description,
                    visibility=visibility, created_by=actor,
                )  # fmt: skip
                current = None
                for number in range(1, versions + 1):
                    lines = [title, description or site.name, f"第 {number} 版"]
                    data, kind = document_bytes(lines)
                    version = DownloadVersion(
                        item=item, number=number, title=f"{title}.{kind}", file_kind=kind,
                        size=len(data), text="\n".join(lines), uploaded_by=actor,
                        note="首次发布" if number == 1 else "根据上级要求修订",
                    )  # fmt: skip
                    version.file.save(f"d.{kind}", ContentFile(data), save=False)
                    version.save()
                    current = version
                DownloadItem.objects.filter(pk=item.pk).update(
                    current_version=current, download_count=self.rng.randrange(0, 300)
                )
                count += 1
        try:
            from dangjian.search.indexing import index_downloads
        except ImportError:
            return count
        index_downloads(DownloadItem.objects.filter(site=site.site).values_list("pk", flat=True))
        return count


def _summary(plan: dict, text: str) -> str:
    """The list's one-line summary: what a 公示 is about, or the body's first sentence."""
    slug, title, site = plan["column"].slug, plan["title"], plan["site"].name
    if slug in ("disclosure", "enterprise"):
        return f"现将“{title}”有关情况予以公开，公示期 5 个工作日，欢迎党员和群众监督。"
    if slug == "policies":
        return f"《{title}》全文，供{site}所属各级党组织和党员学习执行。"
    first = text.split("。", 1)[0]
    return (first + "。")[:200] if first else ""


def _links(sites: list[_Site]) -> None:
    """The 相关链接 block of every site: the party's public sites and the group's site."""
    from dangjian.portal.models import HomeBlock

    links = [
        {"name": "共产党员网", "url": "https://www.12371.cn/"},
        {"name": "中国共产党新闻网", "url": "http://cpc.people.com.cn/"},
        {"name": "学习强国", "url": "https://www.xuexi.cn/"},
        {"name": sites[0].site.name, "url": "/"},
    ]
    HomeBlock.objects.filter(
        site__in=[site.site for site in sites], kind=HomeBlock.Kind.LINKS
    ).update(config={"links": links})


def _text_tools():
    """The article sanitiser and the body → text function of the portal (fallbacks while a part
    is missing)."""
    from django.utils.html import strip_tags

    from dangjian.core import richtext

    sanitize = getattr(richtext, "sanitize_article_html", richtext.sanitize_html)
    try:
        from dangjian.portal.services.articles import body_to_text
    except ImportError:

        def body_to_text(html: str) -> str:
            return " ".join(strip_tags(html).split())

    return sanitize, body_to_text


def draw_picture(rng: random.Random, caption: str, size=(1280, 720)) -> bytes:
    """A JPEG: a diagonal gradient, a few shapes (a headframe, hills, a sun, flags) and the
    caption on a dark band."""
    from PIL import Image, ImageDraw, ImageOps

    width, height = size
    start, end = rng.choice(PALETTES)
    horizontal = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90)
    vertical = Image.linear_gradient("L")
    gradient = Image.blend(horizontal, vertical, rng.choice((0.3, 0.5, 0.7, 1.0)))
    image = ImageOps.colorize(gradient.resize(size), start, end).convert("RGB")
    draw = ImageDraw.Draw(image, "RGBA")
    sun = (rng.randrange(width // 2, width - 120), rng.randrange(60, height // 3))
    draw.ellipse((sun[0] - 70, sun[1] - 70, sun[0] + 70, sun[1] + 70), fill=(255, 230, 150, 170))
    ground = height - 170
    for _ in range(3):
        left = rng.randrange(-200, width - 200)
        draw.polygon(
            [(left, ground), (left + rng.randrange(200, 420), ground - rng.randrange(80, 220)),
             (left + rng.randrange(450, 700), ground)],
            fill=(30, 40, 30, 150),
        )  # fmt: skip
    draw.rectangle((0, ground, width, height), fill=(25, 25, 30, 200))
    frame = rng.randrange(120, width - 300)  # a headframe (井架)
    draw.line((frame, ground, frame + 80, ground - 260), fill=(200, 60, 40, 255), width=10)
    draw.line((frame + 160, ground, frame + 80, ground - 260), fill=(200, 60, 40, 255), width=10)
    draw.ellipse((frame + 55, ground - 285, frame + 105, ground - 235), outline=(240, 240, 240),
                 width=6)  # fmt: skip
    for _ in range(rng.randint(2, 5)):
        x = rng.randrange(40, width - 60)
        draw.line((x, ground, x, ground - 120), fill=(220, 220, 220, 255), width=4)
        draw.polygon([(x, ground - 120), (x + 50, ground - 105), (x, ground - 90)],
                     fill=(210, 20, 30, 255))  # fmt: skip
    font = _font(44)
    # A label below the top edge: the carousel crops the picture to about 2:1 and prints its
    # own caption over the bottom.
    left, top, right, bottom = draw.textbbox((56, 130), caption, font=font)
    draw.rounded_rectangle((left - 16, top - 12, right + 16, bottom + 12), radius=10,
                           fill=(0, 0, 0, 120))  # fmt: skip
    draw.text((56, 130), caption, fill=(255, 255, 255), font=font)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return buffer.getvalue()


def _font(size: int):
    from PIL import ImageFont

    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default()


def document_bytes(lines: list[str]) -> tuple[bytes, str]:
    """A .docx with the lines as paragraphs (python-docx), or plain UTF-8 text without it."""
    try:
        import docx
    except ImportError:
        return "\n".join(lines).encode(), "txt"
    document = docx.Document()
    document.add_heading(lines[0], level=1)
    for line in lines[1:]:
        if line.strip():
            document.add_paragraph(line.strip())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue(), "docx"

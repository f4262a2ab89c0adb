"""Numbers of the portal that an administrator may change (`core.rules`)."""

from dangjian.core.rules import define

_PLATFORM = "平台约定（可由管理员调整）"

IMAGE_MAX_MB = define(
    "portal.image_max_mb",
    10,
    "门户图片单个文件大小上限",
    f"{_PLATFORM}：JPG/PNG/GIF/WEBP 图片，上传后自动生成 320/800/1600 像素宽的缩略图",
    unit="MB",
    minimum=1,
    maximum=50,
)
IMAGE_MAX_PIXELS = define(
    "portal.image_max_megapixels",
    60,
    "门户图片像素上限（百万像素）",
    f"{_PLATFORM}：防止“解压炸弹”图片耗尽服务器内存；普通相机照片在 5000 万像素以内",
    unit="百万像素",
    minimum=1,
    maximum=200,
)
VIDEO_MAX_MB = define(
    "portal.video_max_mb",
    500,
    "门户视频单个文件大小上限",
    f"{_PLATFORM}：MP4（H.264）或 WebM 视频原样保存，不做转码",
    unit="MB",
    minimum=1,
    maximum=4096,
)
ATTACHMENT_MAX_MB = define(
    "portal.attachment_max_mb",
    50,
    "文章附件单个文件大小上限",
    f"{_PLATFORM}：PDF、Word、Excel、PowerPoint、文本文件",
    unit="MB",
    minimum=1,
    maximum=500,
)
ATTACHMENTS_PER_ARTICLE = define(
    "portal.attachments_per_article",
    20,
    "每篇文章最多附件数",
    _PLATFORM,
    unit="个",
    minimum=1,
    maximum=100,
)
DOWNLOAD_MAX_MB = define(
    "portal.download_max_mb",
    200,
    "下载专区单个文件大小上限",
    f"{_PLATFORM}：PDF、Office 文档、文本、图片和视频",
    unit="MB",
    minimum=1,
    maximum=4096,
)

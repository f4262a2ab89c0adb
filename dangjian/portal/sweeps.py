"""The portal's periodic sweep: scheduled publishing and expiry (see
`services.workflow.publish_due`). Every minute, so an article set to appear at 08:00 is on
the site by 08:01; a run that finds nothing costs two indexed queries."""

from datetime import timedelta

from dangjian.core.scheduler import periodic
from dangjian.portal.services.workflow import publish_due


@periodic("portal.publish_due", every=timedelta(minutes=1), lease=timedelta(minutes=5))
def publish_scheduled(*, now):
    return publish_due(now=now)

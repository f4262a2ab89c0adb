"""The import's background work: the dry run after an upload and the write after a confirm.

Tasks take the batch id, do nothing when the batch has moved on (a retry after success), and
report progress through the batch's job (core.jobs), which the import page polls.
"""

from django_tasks import task


@task()
def validate_batch_task(batch_id: str) -> None:
    from dangjian.members.importing.services import batch_validate

    batch_validate(batch_id)


@task()
def confirm_batch_task(batch_id: str) -> None:
    from dangjian.members.importing.services import batch_write

    batch_write(batch_id)

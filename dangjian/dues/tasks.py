"""Background tasks of the dues ledger. They take ids and are idempotent."""

from django_tasks import task


@task()
def monthly_run_task(run_id: int) -> None:
    from dangjian.dues.services.run import monthly_run_resume

    monthly_run_resume(run_id)


@task()
def base_import_check_task(import_id: int) -> None:
    from dangjian.dues.importing import base_import_check

    base_import_check(import_id)

"""Excel roster import (issue 3 item 4): the template, reading, the dry-run check, the bulk
write, undo, and the tasks that run them with a progress bar.

    template.py   the downloadable template (`template_workbook`)
    columns.py    the columns a roster may carry, their header variants and code lists
    reader.py     an .xlsx into raw rows (Excel row numbers), cells parsed to Python values
    validate.py   the dry run: every row through `check_record`, duplicates, existing people
    write.py      the confirmed rows in one transaction, in bulk; `undo` of a whole batch
    rejected.py   the rejected rows as an .xlsx with a 问题说明 column
    services.py   batch_upload / batch_confirm / batch_undo / batch_discard, import_file
    tasks.py      validation and confirmation as tasks reporting progress through core.jobs
    samples.py    realistic generated rosters for tests and the benchmark
"""

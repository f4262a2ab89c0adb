"""Pages of 民主评议党员: the branch's rounds (`rounds`), the grading (`grading`) and the
member's own part (`mine`)."""

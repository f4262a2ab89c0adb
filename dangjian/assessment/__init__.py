"""考核系统: refined-management scoring (精细化考核) of organisations and members with remote
assessment (远程考核). See docs/assessment-decisions.md."""

"""Use-cases: each module builds a plan or a report for one command."""

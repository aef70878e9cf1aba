from issue_flow.cli import main

main()

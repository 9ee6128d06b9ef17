from balochistan_events.cli import main

main()

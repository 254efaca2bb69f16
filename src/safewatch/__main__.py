from safewatch.cli import main

main()

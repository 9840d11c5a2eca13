from allyshore.cli import main

main()

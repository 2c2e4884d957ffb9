from handouts.entry import main

main()

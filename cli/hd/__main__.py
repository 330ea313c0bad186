from hd.main import main

raise SystemExit(main())

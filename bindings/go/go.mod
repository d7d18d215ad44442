module olstate

go 1.19

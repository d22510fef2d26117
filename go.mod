module github.com/deck-lang/deck

go 1.26

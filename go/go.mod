module github.com/multisession/multisession/go

go 1.19

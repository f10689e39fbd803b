module multisession

go 1.19

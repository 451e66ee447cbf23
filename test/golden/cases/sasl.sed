s/^SPID\t[0-9]*$/SPID\tPID/
s/^COOKIE\t[0-9a-f]\{32\}$/COOKIE\tX/

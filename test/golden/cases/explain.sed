# explain output: what changes per run (times, request ids, the port,
# the scratch directory, the version)
s/[0-9a-f]\{16\}/RID/g
s/^\[ *[0-9.]* ms\]/[T ms]/
s/^\(    total_ms  *\)[0-9.]*$/\1T/
s/^\(    time_left_ms  *\)[0-9]*$/\1T/
s/^\(    age_ms  *\)[0-9]*$/\1T/
s/^\(    remaining_s  *\)[0-9]*$/\1N/
s/127\.0\.0\.1:[0-9][0-9]*/127.0.0.1:PORT/g
s|^\(    defined  *\).*/\([^/]*\)$|\1\2|
s|pfxhttp/[0-9][0-9.]*|pfxhttp/VERSION|

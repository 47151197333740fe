-- wrk script: counts responses outside 2xx (wrk itself only flags >= 400) and prints one JSON
-- line in done(). Headers are given on wrk's command line (-H).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  last_bad = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    last_bad = status
  end
end

function done(summary, latency, requests)
  local bad, bad_status = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    local s = t:get("last_bad")
    if s ~= 0 then bad_status = s end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,' ..
    '"timeouts":%d,"non2xx":%d,"last_bad_status":%d,"mean_us":%.1f,"max_us":%d,' ..
    '"p50_us":%d,"p95_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, bad, bad_status,
    latency.mean, latency.max,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end

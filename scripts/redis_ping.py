"""Exit 0 when the Redis at the given URL answers PING, 1 (with the reason) when not."""

import sys

import redis

try:
    redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()
except (redis.RedisError, OSError) as error:
    print(f"Redis check failed: {error}", file=sys.stderr)
    sys.exit(1)

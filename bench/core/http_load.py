"""Foundation: authenticated `GET /api/v1/states` and the home page under load, next to the bare
view measured in the same run. Target: the API (token auth) at ≥ 50 % of the bare view's req/s."""

from __future__ import annotations

from bench.harness import BARE_PATH, BenchContext, Target
from bench.report import Check, ModuleResult, errors_check

USER = "kz-analyst"
API_TARGET = 0.50


def run(ctx: BenchContext) -> ModuleResult:
    bearer = {"Authorization": f"Bearer {ctx.token(USER)}"}
    cookie = {"Cookie": ctx.session_cookie(USER)}
    measurements = ctx.measure_all(
        [
            Target("bare", BARE_PATH, {}, auth="none"),
            Target("api-token", "/api/v1/states", bearer, auth="token"),
            Target("api-session", "/api/v1/states", cookie, auth="session"),
            Target("home", "/", cookie, auth="session"),
        ]
    )
    result = ModuleResult(name="core.http_load", baseline="bare", measurements=measurements)
    ratio = result.ratio("api-token")
    result.checks = [
        errors_check(measurements),
        Check(
            f"GET /api/v1/states (token) at ≥ {API_TARGET:.0%} of the bare view's req/s",
            ratio >= API_TARGET,
            f"{ratio:.1%}",
        ),
    ]
    result.notes.append(
        f"informational: api-session at {result.ratio('api-session'):.1%}, "
        f"home at {result.ratio('home'):.1%} of bare (no target)"
    )
    return result

"""A small `make reliability`: hundreds of events, each delivered three times in
shuffled order, with faults on every AWS hop; nothing lost, nothing emailed twice."""

from __future__ import annotations

from nextmove_local import reliability


def test_under_faults_on_every_hop_nothing_is_lost_or_emailed_twice(tmp_path):
    result = reliability.run(100, faults=0.2, seed=7, tenants=3, outbox=tmp_path)
    summary = result.summary

    assert summary.lost == 0, result.notes
    assert summary.duplicate_emails == 0, result.notes
    # Emails whose settle failed for good after SES took them: never sent again.
    assert summary.unconfirmed >= 1, result.notes
    assert summary.stored == summary.events  # every event was accepted in the end
    assert summary.recommendations > 0 and summary.emailed > 0
    assert summary.deliveries > 3 * summary.events  # the sender had 5xx to retry
    for name, hop in result.hops.items():  # a fifth of the attempts on every hop failed
        assert hop.attempts and hop.faults >= 0.2 * hop.attempts - 1, (name, hop)

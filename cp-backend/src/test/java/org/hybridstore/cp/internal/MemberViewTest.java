package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hybridstore.cp.internal.EtcdErrors.Signal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Serving, stalls, member order and reported changes, with made-up times. No network. */
class MemberViewTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long STALL = 100 * MS;
  private final MembersFixture members = new MembersFixture(3);
  private final FailureLog failures =
      new FailureLog(LoggerFactory.getLogger(MemberViewTest.class), 10_000 * MS, () -> 0L);
  private final MemberView view = new MemberView(members.connections, STALL, failures);

  @AfterEach
  void close() {
    members.close();
  }

  private MemberConnection m(int i) {
    return members.connections.get(i);
  }

  private void ok(int i, long at) {
    view.health(m(i)).begin(at);
    view.health(m(i)).succeeded(at, 100 + i);
  }

  @Test
  void health_servesAfterSuccess_notAfterFailure_againAfterSuccess() {
    MemberHealth h = view.health(m(0));
    assertThat(h.serving(0, STALL)).as("never contacted").isFalse();
    h.begin(10 * MS);
    h.succeeded(11 * MS, 7);
    assertThat(h.serving(12 * MS, STALL)).isTrue();
    h.begin(20 * MS);
    h.failed(21 * MS, Signal.NO_LEADER, "no leader");
    assertThat(h.serving(22 * MS, STALL)).isFalse();
    assertThat(h.problem(22 * MS, STALL)).isEqualTo("no leader");
    h.begin(30 * MS);
    h.succeeded(31 * MS, 7);
    assertThat(h.serving(32 * MS, STALL)).isTrue();
  }

  @Test
  void health_unreachableOnlyWhileTheLastAnswerIsAFailedConnection() {
    MemberHealth h = view.health(m(0));
    assertThat(h.unreachable()).as("never contacted").isFalse();
    h.begin(1 * MS);
    h.failed(2 * MS, Signal.UNREACHABLE, "connection refused");
    assertThat(h.unreachable()).isTrue();
    h.begin(3 * MS);
    h.succeeded(4 * MS, 7);
    assertThat(h.unreachable()).as("served since").isFalse();
    h.begin(5 * MS);
    h.failed(6 * MS, Signal.NO_LEADER, "no leader");
    assertThat(h.unreachable()).as("answered: the connection works").isFalse();
    h.begin(7 * MS);
    h.failed(8 * MS, Signal.TIMEOUT, "deadline");
    assertThat(h.unreachable()).as("a timeout is not a failed connection").isFalse();
  }

  @Test
  void health_requestRefused_memberStillServes() {
    MemberHealth h = view.health(m(0));
    h.begin(1 * MS);
    h.succeeded(2 * MS, 7);
    h.begin(3 * MS);
    h.failed(4 * MS, Signal.REQUEST, "too many operations");
    assertThat(h.serving(5 * MS, STALL)).isTrue();
  }

  @Test
  void health_pendingWithoutAnswerPastTheLimit_stalled() {
    MemberHealth h = view.health(m(0));
    h.begin(0);
    h.succeeded(1 * MS, 7);
    h.begin(10 * MS);
    assertThat(h.stalled(10 * MS + STALL, STALL)).isFalse();
    assertThat(h.stalled(11 * MS + STALL, STALL)).isTrue();
    assertThat(h.serving(11 * MS + STALL, STALL)).isFalse();
    assertThat(h.problem(11 * MS + STALL, STALL)).startsWith("no answer for");
    // answers on other requests in flight count as progress
    h.begin(50 * MS);
    h.succeeded(60 * MS, 7);
    assertThat(h.stalled(60 * MS + STALL - MS, STALL)).isFalse();
  }

  @Test
  void next_servingFirst_leaderFirstWhenAsked_thenMostRecentlyServing() {
    ok(0, 10 * MS);
    ok(2, 20 * MS);
    view.status(m(0), 21 * MS, 100, 102, 5);
    view.status(m(1), 21 * MS, 101, 102, 5);
    view.status(m(2), 21 * MS, 102, 102, 5);
    assertThat(view.leaderIndex()).isEqualTo(2);
    assertThat(view.next(true, 0, 30 * MS)).isSameAs(m(2));
    assertThat(view.next(true, 1L << 2, 30 * MS)).isSameAs(m(0));
    // member 1 never served: last, but still tried
    assertThat(view.next(true, (1L << 2) | 1L, 30 * MS)).isSameAs(m(1));
    assertThat(view.next(true, 0b111, 30 * MS)).isNull();
    // without leader preference the serving members take turns
    List<MemberConnection> picks = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      picks.add(view.next(false, 0, 30 * MS));
    }
    assertThat(picks).containsOnly(m(0), m(2)).contains(m(0), m(2));
  }

  @Test
  void status_leaderNeedsAMajority() {
    view.status(m(0), 1, 100, 100, 5); // an isolated old leader names itself
    assertThat(view.leaderIndex()).isEqualTo(-1);
    view.status(m(1), 1, 101, 102, 6);
    view.status(m(2), 1, 102, 102, 6);
    assertThat(view.leaderIndex()).isEqualTo(2);
  }

  @Test
  void evaluate_reportsAChangeOnceItHeldForSeveralEvaluations() {
    List<String> heard = new ArrayList<>();
    view.addListener((member, serving) -> heard.add(member.endpoint + "=" + serving));
    ok(0, 1 * MS);
    for (int i = 1; i < MemberView.REPORT_AFTER; i++) {
      view.evaluate((1 + i) * MS);
    }
    assertThat(heard).isEmpty();
    view.evaluate(9 * MS);
    assertThat(heard).containsExactly(m(0).endpoint + "=true");
    // a stall that does not last is not reported, nor one that routing avoids but a report would
    // not
    view.health(m(0)).begin(10 * MS);
    assertThat(view.serving(m(0), 11 * MS + STALL)).isFalse();
    for (int i = 0; i < MemberView.REPORT_AFTER; i++) {
      view.evaluate(11 * MS + STALL + i);
    }
    view.health(m(0)).succeeded(12 * MS + STALL, 100);
    view.evaluate(13 * MS + STALL);
    assertThat(heard).hasSize(1);
    view.health(m(0)).begin(20 * MS + STALL);
    view.health(m(0)).failed(21 * MS + STALL, Signal.UNREACHABLE, "refused");
    for (int i = 0; i < MemberView.REPORT_AFTER; i++) {
      view.evaluate((22 + i) * MS + STALL);
    }
    assertThat(heard).containsExactly(m(0).endpoint + "=true", m(0).endpoint + "=false");
  }
}

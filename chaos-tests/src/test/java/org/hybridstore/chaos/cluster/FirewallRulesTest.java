package org.hybridstore.chaos.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FirewallRulesTest {

  private static final List<String> ADDRS = List.of("10.9.8.11", "10.9.8.12", "10.9.8.13");

  @Test
  void render_noFaults_isAnEmptyTable() {
    assertThat(FirewallRules.render(0, List.of(), ADDRS))
        .isEqualTo(
            """
                *filter
                :INPUT ACCEPT [0:0]
                :FORWARD ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                COMMIT
                """);
  }

  @Test
  void grudgeOf_isolateOne_isSymmetric() {
    Map<Integer, Set<Integer>> g = FirewallRules.grudgeOf(List.of(Set.of(1), Set.of(0, 2)), 3);
    assertThat(g).isEqualTo(Map.of(1, Set.of(0, 2), 0, Set.of(1), 2, Set.of(1)));
  }

  @Test
  void grudgeOf_unnamedHostsFormTheirOwnComponent() {
    Map<Integer, Set<Integer>> g = FirewallRules.grudgeOf(List.of(Set.of(0)), 3);
    assertThat(g).isEqualTo(Map.of(0, Set.of(1, 2), 1, Set.of(0), 2, Set.of(0)));
    assertThat(FirewallRules.grudgeOf(List.of(Set.of(0, 1, 2)), 3)).isEmpty();
  }

  @Test
  void grudgeOf_rejectsOverlapAndUnknownHosts() {
    assertThatThrownBy(() -> FirewallRules.grudgeOf(List.of(Set.of(0, 1), Set.of(1, 2)), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two components");
    assertThatThrownBy(() -> FirewallRules.grudgeOf(List.of(Set.of(3)), 3))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void render_partition_dropsBothDirectionsOnEachSide() {
    Fault cut =
        new Fault.Cut(
            7,
            FirewallRules.grudgeOf(List.of(Set.of(1), Set.of(0, 2)), 3),
            "partition [h2] [h1 h3]");
    assertThat(FirewallRules.render(1, List.of(cut), ADDRS))
        .isEqualTo(
            """
                *filter
                :INPUT ACCEPT [0:0]
                :FORWARD ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                -A INPUT -s 10.9.8.11/32 -m comment --comment hs-fault-7 -j DROP
                -A OUTPUT -d 10.9.8.11/32 -m comment --comment hs-fault-7 -j DROP
                -A INPUT -s 10.9.8.13/32 -m comment --comment hs-fault-7 -j DROP
                -A OUTPUT -d 10.9.8.13/32 -m comment --comment hs-fault-7 -j DROP
                COMMIT
                """);
    assertThat(FirewallRules.rules(0, List.of(cut), ADDRS))
        .containsExactly(
            "-A INPUT -s 10.9.8.12/32 -m comment --comment hs-fault-7 -j DROP",
            "-A OUTPUT -d 10.9.8.12/32 -m comment --comment hs-fault-7 -j DROP");
    assertThat(cut.describe())
        .isEqualTo("partition [h2] [h1 h3] (cut: h1x[h2] h2x[h1 h3] h3x[h2])");
  }

  @Test
  void render_ring_onlyCutsTheGrudge() {
    Fault ring = new Fault.Cut(2, Map.of(0, Set.of(2), 2, Set.of(0)), "bridge");
    assertThat(FirewallRules.rules(1, List.of(ring), ADDRS)).isEmpty();
    assertThat(FirewallRules.rules(2, List.of(ring), ADDRS))
        .containsExactly(
            "-A INPUT -s 10.9.8.11/32 -m comment --comment hs-fault-2 -j DROP",
            "-A OUTPUT -d 10.9.8.11/32 -m comment --comment hs-fault-2 -j DROP");
  }

  @Test
  void render_oneWay_onlyOutputOfTheSender() {
    Fault f = new Fault.OneWay(3, 0, Set.of(1, 2));
    assertThat(FirewallRules.rules(0, List.of(f), ADDRS))
        .containsExactly(
            "-A OUTPUT -d 10.9.8.12/32 -m comment --comment hs-fault-3 -j DROP",
            "-A OUTPUT -d 10.9.8.13/32 -m comment --comment hs-fault-3 -j DROP");
    assertThat(FirewallRules.rules(1, List.of(f), ADDRS)).isEmpty();
    assertThat(f.hosts()).containsExactly(0);
  }

  @Test
  void render_blockPorts_tcpAndUdpIncludingOwnHost() {
    Fault f = new Fault.BlockPorts(4, 1, Set.of(0, 1), List.of(4801, 8080));
    assertThat(FirewallRules.rules(1, List.of(f), ADDRS))
        .containsExactly(
            "-A OUTPUT -d 10.9.8.11/32 -p tcp -m multiport --dports 4801,8080 -m comment --comment hs-fault-4 -j DROP",
            "-A OUTPUT -d 10.9.8.11/32 -p udp -m multiport --dports 4801,8080 -m comment --comment hs-fault-4 -j DROP",
            "-A OUTPUT -d 10.9.8.12/32 -p tcp -m multiport --dports 4801,8080 -m comment --comment hs-fault-4 -j DROP",
            "-A OUTPUT -d 10.9.8.12/32 -p udp -m multiport --dports 4801,8080 -m comment --comment hs-fault-4 -j DROP");
    assertThat(FirewallRules.rules(0, List.of(f), ADDRS)).isEmpty();
  }

  @Test
  void render_randomLoss_onTheInterface() {
    Fault f = new Fault.RandomLoss(5, 2, 0.3);
    assertThat(FirewallRules.rules(2, List.of(f), ADDRS))
        .containsExactly(
            "-A INPUT -i eth0 -m statistic --mode random --probability 0.3000 -m comment --comment hs-fault-5 -j DROP",
            "-A OUTPUT -o eth0 -m statistic --mode random --probability 0.3000 -m comment --comment hs-fault-5 -j DROP");
    assertThat(f.describe()).isEqualTo("random loss 30% on h3");
  }

  @Test
  void render_combinesFaultsInOrder_andRateLimitIsNoRule() {
    Fault a = new Fault.OneWay(1, 0, Set.of(1));
    Fault b = new Fault.RateLimit(2, 0, "128kbit");
    Fault c = new Fault.RandomLoss(3, 0, 0.5);
    assertThat(FirewallRules.rules(0, List.of(a, b, c), ADDRS)).hasSize(3);
    assertThat(FirewallRules.rules(0, List.of(a, b, c), ADDRS).get(0)).contains("hs-fault-1");
    assertThat(FirewallRules.rules(0, List.of(a, b, c), ADDRS).get(2)).contains("hs-fault-3");
  }

  @Test
  void rateLimit_newestWins() {
    Fault a = new Fault.RateLimit(1, 0, "128kbit");
    Fault b = new Fault.RateLimit(2, 0, "1mbit");
    assertThat(FirewallRules.rateLimit(0, List.of(a, b))).contains("1mbit");
    assertThat(FirewallRules.rateLimit(0, List.of(a))).contains("128kbit");
    assertThat(FirewallRules.rateLimit(1, List.of(a, b))).isEmpty();
    assertThat(FirewallRules.tbfCommand("128kbit"))
        .containsExactly(
            "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", "128kbit", "burst", "16kb",
            "latency", "500ms");
  }

  @Test
  void validation() {
    assertThatThrownBy(() -> FirewallRules.requireRate("fast"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FirewallRules.requireRate("128kbit; reboot"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FirewallRules.probability(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FirewallRules.probability(1.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FirewallRules.probability(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(FirewallRules.probability(1)).isEqualTo("1.0000");
  }
}

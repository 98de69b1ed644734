package org.hybridstore.chaos.nemesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NemesesTest {

  @Test
  void names_listsEveryNemesisInOrder() {
    assertThat(Nemeses.names())
        .containsExactly(
            "kill-etcd-one",
            "kill-etcd-majority",
            "kill-etcd-all",
            "pause-etcd-one",
            "pause-etcd-majority",
            "partition-one",
            "partition-halves",
            "partition-ring",
            "partition-leader",
            "partition-service-etcd",
            "partition-gossip",
            "one-way",
            "gray-loss",
            "gray-slow",
            "gray-pause");
  }

  @Test
  void byName_returnsAFreshInactiveInstanceWithThatName() {
    for (String name : Nemeses.names()) {
      Nemesis a = Nemeses.byName(name);
      Nemesis b = Nemeses.byName(name);
      assertThat(a.name()).isEqualTo(name);
      assertThat(a).isNotSameAs(b);
      assertThat(a.isActive()).isFalse();
      assertThat(a.affectedHosts()).isEmpty();
      assertThat(a.describe()).isEqualTo(name + ": inactive");
    }
  }

  @Test
  void byName_unknown_listsTheKnownNames() {
    assertThatThrownBy(() -> Nemeses.byName("kill-everything"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("kill-everything")
        .hasMessageContaining("partition-leader");
  }

  @Test
  void stop_whenInactive_doesNothing() {
    for (String name : Nemeses.names()) {
      Nemesis n = Nemeses.byName(name);
      n.stop(null);
      assertThat(n.isActive()).isFalse();
    }
  }
}

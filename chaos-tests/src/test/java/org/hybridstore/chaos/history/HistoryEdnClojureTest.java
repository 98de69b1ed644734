package org.hybridstore.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import clojure.java.api.Clojure;
import clojure.lang.IFn;
import clojure.lang.IPersistentMap;
import clojure.lang.Keyword;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@code history.edn} a run writes is read back by Clojure's own EDN reader, as Knossos and
 * Elle would read it, and every op has the keys they expect.
 */
class HistoryEdnClojureTest {
  private static final List<String> KEYS =
      List.of("type", "f", "value", "process", "time", "index");

  @Test
  void writeEdn_readByClojure_everyOpHasTheKeysKnossosAndElleExpect() throws Exception {
    // Given a history with client ops of every type, values of every shape, and nemesis ops
    History h = new History();
    h.append(Op.invoke(0, "put", List.of("reg-0", "1")).withTime(10).withNodeAndMode("n1", null));
    h.append(
        new Op(
            Op.UNASSIGNED,
            20,
            0,
            OpType.OK,
            "put",
            List.of("reg-0", "1"),
            null,
            "n1",
            "PROVISIONAL/DEGRADED@3"));
    h.append(Op.invoke(1, "bump", List.of("cart-0", "sku-1", "bump-7")).withTime(30));
    h.append(
        new Op(
            Op.UNASSIGNED,
            40,
            1,
            OpType.INFO,
            "bump",
            List.of("cart-0", "sku-1", "bump-7"),
            "timeout \"x\"",
            "n2",
            null));
    h.append(Op.invoke(2, "final-read", null).withTime(50));
    h.append(
        new Op(
            Op.UNASSIGNED,
            60,
            2,
            OpType.OK,
            "final-read",
            Map.of("o-1", Map.of("lines", List.of(Map.of("sku", "a", "qty", 2L)))),
            null,
            "etcd",
            null));
    h.append(
        new Op(
            Op.UNASSIGNED,
            70,
            Op.NEMESIS,
            OpType.INFO,
            "start",
            "kill-etcd-majority",
            null,
            null,
            "kill h1 h2"));
    StringWriter out = new StringWriter();
    HistoryWriters.writeEdn(h, out);

    // When Clojure's reader reads it
    IFn require = Clojure.var("clojure.core", "require");
    require.invoke(Clojure.read("clojure.edn"));
    Object parsed = Clojure.var("clojure.edn", "read-string").invoke(out.toString());

    // Then it is a vector of maps, each with :type :f :value :process :time :index
    assertThat(parsed).isInstanceOf(clojure.lang.IPersistentVector.class);
    List<?> ops = (List<?>) parsed;
    assertThat(ops).hasSize(h.size());
    for (Object o : ops) {
      assertThat(o).isInstanceOf(IPersistentMap.class);
      IPersistentMap m = (IPersistentMap) o;
      for (String k : KEYS) {
        assertThat(m.containsKey(Keyword.intern(k))).as("%s in %s", k, m).isTrue();
      }
      assertThat(m.valAt(Keyword.intern("type")))
          .isIn(
              Keyword.intern("invoke"),
              Keyword.intern("ok"),
              Keyword.intern("fail"),
              Keyword.intern("info"));
    }
    IPersistentMap nemesis = (IPersistentMap) ops.get(ops.size() - 1);
    assertThat(nemesis.valAt(Keyword.intern("process"))).isEqualTo(Keyword.intern("nemesis"));
    IPersistentMap info = (IPersistentMap) ops.get(3);
    assertThat(info.valAt(Keyword.intern("error"))).isEqualTo("timeout \"x\"");
    assertThat(((Number) ((IPersistentMap) ops.get(1)).valAt(Keyword.intern("index"))).longValue())
        .isEqualTo(1);
  }
}

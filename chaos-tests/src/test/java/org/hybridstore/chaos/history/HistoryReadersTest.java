package org.hybridstore.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import clojure.java.api.Clojure;
import clojure.lang.IFn;
import clojure.lang.Keyword;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hybridstore.chaos.checker.ReferenceHistories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryReadersTest {

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  @Test
  void readJepsenLog_tabsSpacesAndValueShapes() throws IOException {
    // Given tab- and space-separated lines, another logger's line and a blank line
    Path log =
        write(
            "run.log",
            String.join(
                "\n",
                "INFO  jepsen.util - 0\t:invoke\t:read\tnil",
                "INFO  jepsen.core - Worker 0 starting",
                "INFO  jepsen.util - 0   :ok    :read   3",
                "",
                "INFO  jepsen.util - 1\t:invoke\t:cas\t[1 4]",
                "INFO  jepsen.util - 1\t:info\t:cas\t:timed-out",
                "INFO  jepsen.util - :nemesis\t:info\t:start\t{\"n1\" #{\"n2\"}}"));

    // When read with format detection
    History h = HistoryReaders.read(log);

    // Then values are nil, Long, [Long Long], a keyword as string; the nemesis is not a client
    assertThat(h.ops())
        .extracting(Op::value)
        .containsExactly(null, 3L, List.of(1L, 4L), "timed-out", "{\"n1\" #{\"n2\"}}");
    assertThat(h.ops())
        .extracting(Op::type)
        .containsExactly(OpType.INVOKE, OpType.OK, OpType.INVOKE, OpType.INFO, OpType.INFO);
    assertThat(h.ops().get(4).isClient()).isFalse();
  }

  @Test
  void readJepsenLog_malformedLineNamesFileAndLine() throws IOException {
    Path log =
        write(
            "bad.log",
            "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\t[1 2\n");

    assertThatThrownBy(() -> HistoryReaders.read(log))
        .isInstanceOfSatisfying(
            MalformedHistoryException.class,
            e -> {
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.file()).endsWith("bad.log");
              assertThat(e.getMessage()).contains("bad.log:2:");
            });
    Path garbage = write("garbage.log", "\nthis is not a log line\n");
    assertThatThrownBy(() -> HistoryReaders.read(garbage))
        .isInstanceOfSatisfying(
            MalformedHistoryException.class, e -> assertThat(e.line()).isEqualTo(2));
  }

  @Test
  void readJepsenLog_emptyFileIsEmptyHistory() throws IOException {
    assertThat(HistoryReaders.read(write("etcd_095.log", "")).size()).isZero();
  }

  @Test
  void readEdn_vectorListCommentsAndNemesis() throws IOException {
    Path vector =
        write(
            "h.edn",
            "; a comment\n[{:process 0, :type :invoke, :f :write, :value 3, :time 5}\n"
                + " ; inside\n {:process :nemesis, :type :info, :f :start, :value nil}\n"
                + " {:process 0, :type :fail, :f :write, :value 3, :error [:timeout nil]}]\n");
    Path list = write("l.edn", "({:type :invoke, :f :cas, :value [1 2], :process 3})");
    Path maps =
        write(
            "m.edn",
            "{:type :invoke, :f :read, :value nil, :process 1}\n{:type :ok, :f :read, :value 2, :process 1}\n");

    History h = HistoryReaders.read(vector);
    assertThat(h.ops()).hasSize(3);
    assertThat(h.ops().get(0).timeNanos()).isEqualTo(5);
    assertThat(h.ops().get(1).process()).isEqualTo(Op.NEMESIS);
    assertThat(h.ops().get(2).error()).isEqualTo("[\"timeout\" nil]");
    assertThat(HistoryReaders.read(list).ops().get(0).value()).isEqualTo(List.of(1L, 2L));
    assertThat(HistoryReaders.read(maps).ops()).extracting(Op::value).containsExactly(null, 2L);
  }

  @Test
  void readEdn_malformedNamesFileAndLine() throws IOException {
    Path broken =
        write(
            "broken.edn",
            "[{:process 0, :type :invoke, :f :read, :value nil}\n"
                + " {:process 0, :type :ok, :f :read, :value }}\n]");
    Path noType =
        write("notype.edn", "[{:process 0, :type :invoke, :f :read}\n\n {:process 0, :f :read}]");
    Path unclosed = write("unclosed.edn", "[{:process 0, :type :invoke, :f :read}\n");

    assertThatThrownBy(() -> HistoryReaders.read(broken))
        .isInstanceOfSatisfying(
            MalformedHistoryException.class,
            e -> {
              assertThat(e.line()).isEqualTo(2);
              assertThat(e.getMessage()).startsWith(broken + ":2:");
            });
    assertThatThrownBy(() -> HistoryReaders.read(noType))
        .isInstanceOfSatisfying(
            MalformedHistoryException.class,
            e -> {
              assertThat(e.line()).isEqualTo(3);
              assertThat(e.getMessage()).contains(":type");
            });
    assertThatThrownBy(() -> HistoryReaders.read(unclosed))
        .isInstanceOf(MalformedHistoryException.class);
  }

  @Test
  void readPorcupineKv_keyBecomesTuple() throws IOException {
    Path kv =
        write(
            "c01.txt",
            "{:process 3, :type :invoke, :f :append, :key \"7\", :value \"x 3 12 y\"}\n"
                + "{:process 3, :type :ok, :f :append, :key \"7\", :value \"x 3 12 y\"}\n");

    assertThat(HistoryFormat.detect(kv)).isEqualTo(HistoryFormat.PORCUPINE_KV);
    assertThat(HistoryReaders.read(kv).ops().get(0).value()).isEqualTo(List.of("7", "x 3 12 y"));
  }

  @Test
  void readJsonLines_malformedLineNamesFileAndLine() throws IOException {
    Path jsonl =
        write(
            "h.jsonl",
            "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"value\":null}\n\n{\"process\":0,\"type\":\"ok\",\"f\":\"read\",\"value\":[1,\n");

    assertThatThrownBy(() -> HistoryReaders.read(jsonl))
        .isInstanceOfSatisfying(
            MalformedHistoryException.class, e -> assertThat(e.line()).isEqualTo(3));
    Path noF = write("nof.jsonl", "{\"process\":0,\"type\":\"invoke\"}\n");
    assertThatThrownBy(() -> HistoryReaders.read(noF))
        .isInstanceOfSatisfying(
            MalformedHistoryException.class, e -> assertThat(e.line()).isEqualTo(1));
  }

  private static History sample() {
    History h = new History();
    h.append(Op.invoke(0, "write", 3L).withTime(10).withNodeAndMode("n1", "cp"));
    h.append(Op.of(Op.NEMESIS, OpType.INFO, "start", "partition \"majority\"\n"));
    h.append(Op.ok(0, "write", 3L).withTime(20).withNodeAndMode("n1", "cp"));
    h.append(Op.invoke(1, "cas", List.of(3L, 4L)).withTime(30));
    h.append(Op.info(1, "cas", List.of(3L, 4L)).withTime(40).withError("timed-out"));
    h.append(Op.invoke(2, "read", null));
    h.append(Op.ok(2, "read", Map.of("a", List.of(1L, true, 2.5), "b", "")));
    return h;
  }

  @Test
  void writeJsonLines_roundTrip() throws IOException {
    History h = sample();
    Path file = dir.resolve("out/history.jsonl");
    HistoryWriters.writeJsonLines(h, file);

    assertThat(HistoryFormat.detect(file)).isEqualTo(HistoryFormat.JSONL);
    assertThat(HistoryReaders.read(file).ops()).isEqualTo(h.ops());
  }

  @Test
  void writeEdn_roundTripThroughClojureReader() throws IOException {
    // Given a history with nemesis, errors, nodes, strings needing escapes and nested values
    History h = sample();
    StringWriter w = new StringWriter();
    HistoryWriters.writeEdn(h, w);

    // When read back by our EDN reader (clojure.edn underneath)
    History back = new EdnHistoryReader().read(new StringReader(w.toString()), "round-trip.edn");

    // Then the ops are equal, and Clojure itself sees keywords where Knossos expects them
    assertThat(back.ops()).isEqualTo(h.ops());
    IFn require = Clojure.var("clojure.core", "require");
    require.invoke(Clojure.read("clojure.edn"));
    Object parsed = Clojure.var("clojure.edn", "read-string").invoke(w.toString());
    Object first = ((List<?>) parsed).get(0);
    assertThat(((Map<?, ?>) first).get(Keyword.intern("type"))).isEqualTo(Keyword.intern("invoke"));
    assertThat(((Map<?, ?>) ((List<?>) parsed).get(1)).get(Keyword.intern("process")))
        .isEqualTo(Keyword.intern("nemesis"));
  }

  @Test
  void detect_referenceFormats() throws IOException {
    Path base = ReferenceHistories.base();
    assertThat(HistoryFormat.detect(base.resolve("etcd-jepsen/etcd_000.log")))
        .isEqualTo(HistoryFormat.JEPSEN_LOG);
    assertThat(HistoryFormat.detect(base.resolve("kv/c01-ok.txt")))
        .isEqualTo(HistoryFormat.PORCUPINE_KV);
    assertThat(HistoryFormat.detect(base.resolve("knossos/cas-register/good/cas-register-bug.edn")))
        .isEqualTo(HistoryFormat.EDN);
    assertThat(HistoryFormat.detect(write("x.txt", "[{:process 0 :type :invoke :f :read}]")))
        .isEqualTo(HistoryFormat.EDN);
    assertThatThrownBy(() -> HistoryFormat.detect(write("y.txt", "hello")))
        .isInstanceOf(MalformedHistoryException.class);
  }
}

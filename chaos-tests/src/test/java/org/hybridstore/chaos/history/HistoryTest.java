package org.hybridstore.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class HistoryTest {

  @Test
  void append_assignsConsecutiveIndexes() {
    History h = new History();
    Op first = h.append(Op.invoke(0, "read", null).withIndex(42));
    Op second = h.append(Op.ok(0, "read", 1L));

    assertThat(first.index()).isZero();
    assertThat(second.index()).isEqualTo(1);
    assertThat(h.ops()).containsExactly(first, second);
  }

  @Test
  void append_concurrentAppendsKeepEveryOpOnce() throws InterruptedException {
    // Given 4 threads appending 1000 ops each, released together
    History h = new History();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int process = t;
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < 1000; i++) {
                  h.append(Op.invoke(process, "write", (long) i));
                }
              });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }

    // Then indexes are exactly 0..3999 and each process's ops are in its own order
    List<Op> ops = h.ops();
    assertThat(ops.stream().mapToLong(Op::index))
        .containsExactlyElementsOf(LongStream.range(0, 4000).boxed().toList());
    for (int p = 0; p < 4; p++) {
      int process = p;
      assertThat(ops.stream().filter(o -> o.process() == process).map(Op::value))
          .containsExactlyElementsOf(
              LongStream.range(0, 1000).boxed().map(Object.class::cast).toList());
    }
  }

  @Test
  void operations_pairsPerProcessAndLeavesUnfinishedOpen() {
    // Given interleaved processes, a crash (info), a re-invocation without completion, and a
    // nemesis op
    History h =
        History.of(
            List.of(
                Op.invoke(0, "write", 1L),
                Op.invoke(1, "read", null),
                Op.of(Op.NEMESIS, OpType.INFO, "start", null),
                Op.ok(1, "read", 1L),
                Op.info(0, "write", 1L),
                Op.invoke(2, "read", null),
                Op.invoke(2, "read", null),
                Op.ok(2, "read", null)));

    List<Operation> ops = h.operations();

    assertThat(ops).hasSize(4);
    assertThat(ops.get(0).outcome()).isEqualTo(OpType.INFO);
    assertThat(ops.get(0).isUnknown()).isTrue();
    assertThat(ops.get(1).isOk()).isTrue();
    assertThat(ops.get(1).completion().value()).isEqualTo(1L);
    assertThat(ops.get(2).completion()).isNull();
    assertThat(ops.get(2).isUnknown()).isTrue();
    assertThat(ops.get(3).completion().index()).isEqualTo(7);
  }
}

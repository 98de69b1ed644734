package org.hybridstore.cp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One line per state change, one summary per interval, whatever the failure rate. */
class FailureLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger("failure-log-test");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final AtomicLong now = new AtomicLong();
  private final FailureLog log = new FailureLog(logger, TimeUnit.SECONDS.toNanos(10), now::get);

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.INFO);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
  }

  @Test
  void degraded_loggedOnce_thenOneSummaryPerInterval() {
    assertThat(log.change(true, "no member serves")).isTrue();
    assertThat(log.change(true, "no member serves")).isFalse();
    for (int second = 0; second < 30; second++) {
      for (int i = 0; i < 130; i++) {
        log.count(i % 2 == 0 ? "no leader" : "timeout");
      }
      now.addAndGet(TimeUnit.SECONDS.toNanos(1));
      log.flushIfDue();
    }
    assertThat(log.change(false, "serves again")).isTrue();
    assertThat(appender.list).hasSize(5); // change, 3 summaries, change
    assertThat(appender.list.get(0).getLevel()).isEqualTo(Level.WARN);
    assertThat(appender.list.get(1).getFormattedMessage())
        .contains("1300 failed calls in the last 10 s")
        .contains("no leader 650")
        .contains("timeout 650");
    assertThat(appender.list.get(1).getLevel()).isEqualTo(Level.WARN);
    assertThat(appender.list.get(4).getLevel()).isEqualTo(Level.INFO);
  }

  @Test
  void nothingCounted_noSummary() {
    now.addAndGet(TimeUnit.SECONDS.toNanos(60));
    log.flushIfDue();
    assertThat(appender.list).isEmpty();
  }

  @Test
  void summaryWhileServing_isInfo() {
    log.count("timeout");
    now.addAndGet(TimeUnit.SECONDS.toNanos(11));
    log.flushIfDue();
    assertThat(appender.list)
        .singleElement()
        .satisfies(e -> assertThat(e.getLevel()).isEqualTo(Level.INFO));
  }
}

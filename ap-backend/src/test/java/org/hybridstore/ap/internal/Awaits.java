package org.hybridstore.ap.internal;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Awaitility with this module's poll settings. */
public final class Awaits {
  private Awaits() {}

  /** Polls every 20 ms for at most {@code seconds}. */
  public static ConditionFactory await(long seconds) {
    return Awaitility.await()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(20))
        .atMost(Duration.ofSeconds(seconds));
  }
}

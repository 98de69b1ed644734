package org.hybridstore.switchover.internal;

import java.time.Instant;

/**
 * The controller's published state: an immutable snapshot readers take without locks.
 *
 * @param phase the phase
 * @param epoch grows by one with every transition; stamped on every write result
 * @param since when the phase began
 * @param reason why the last transition happened
 */
public record StoreMode(Phase phase, long epoch, Instant since, String reason) {}

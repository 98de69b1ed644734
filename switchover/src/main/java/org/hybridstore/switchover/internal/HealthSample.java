package org.hybridstore.switchover.internal;

import java.time.Instant;
import org.hybridstore.spi.QuorumStatus;

/**
 * One probe result as the controller sees it.
 *
 * @param ok whether etcd has quorum
 * @param at when the probe completed
 * @param status the backend's full sample
 */
public record HealthSample(boolean ok, Instant at, QuorumStatus status) {}

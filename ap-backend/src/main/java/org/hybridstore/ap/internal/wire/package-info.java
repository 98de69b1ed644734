/**
 * What nodes say to each other, independent of the transport: the allow-listed message types, their
 * JSON codec, the {@link org.hybridstore.ap.internal.wire.PeerNetwork} the replicator talks to, the
 * fault-injection seam and the backend's counters.
 */
@NullMarked
package org.hybridstore.ap.internal.wire;

import org.jspecify.annotations.NullMarked;

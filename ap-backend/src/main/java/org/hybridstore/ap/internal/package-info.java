/**
 * The glue of the degraded backend: the group-commit writer that owns every change to the local
 * journal, the replicator (push on write, digest anti-entropy) and the {@link
 * org.hybridstore.spi.LocalBackend} implementation. Imports neither MapDB nor ScaleCube: storage
 * and membership sit behind {@code internal.storage} and {@code internal.gossip}.
 */
@NullMarked
package org.hybridstore.ap.internal;

import org.jspecify.annotations.NullMarked;

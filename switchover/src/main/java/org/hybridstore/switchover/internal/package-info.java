/**
 * The switchover's machinery: the mode controller (the one owner of the mode), the health monitor,
 * the reconciler, the mirror, request routing, metrics and the MXBean implementation. Not exported.
 */
@NullMarked
package org.hybridstore.switchover.internal;

import org.jspecify.annotations.NullMarked;

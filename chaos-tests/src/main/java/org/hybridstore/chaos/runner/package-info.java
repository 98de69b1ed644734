/**
 * One Jepsen-style run end to end: cluster, order-service nodes, clients under a rate limit, the
 * nemesis schedule, healing, final reads, checks, figures and the HTML report.
 */
@NullMarked
package org.hybridstore.chaos.runner;

import org.jspecify.annotations.NullMarked;

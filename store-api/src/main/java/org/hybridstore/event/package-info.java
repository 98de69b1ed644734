/** Events a store publishes to its listeners, such as a change of consistency mode. */
@NullMarked
package org.hybridstore.event;

import org.jspecify.annotations.NullMarked;

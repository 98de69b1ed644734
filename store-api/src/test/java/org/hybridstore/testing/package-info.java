/**
 * Test fixtures shared by every module through store-api's test-jar: random order records for
 * property tests, and the module-boundary rules each module checks its own classes against.
 */
package org.hybridstore.testing;

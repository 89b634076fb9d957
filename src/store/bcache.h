/* bcache.h - an LRU cache of decoded blocks and directories (private to store).
 *
 * Keys are block keys (16 bytes).  Values are owned by the cache once put
 * and freed by their free function on eviction; a reader pins an entry
 * (get/put return it pinned) and unpins it with bcache_release().  Blocks are
 * immutable, so a key never needs invalidating; entries of deleted parts
 * simply age out.  Thread-safe (one mutex). */
#ifndef LOUPE_BCACHE_H
#define LOUPE_BCACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct bcache bcache;
typedef struct bcache_entry bcache_entry;

bcache *bcache_create(size_t budget_bytes);
void bcache_destroy(bcache *c);

/* The pinned value for key, or NULL. */
void *bcache_get(bcache *c, const uint8_t key[16], bcache_entry **h);
/* Inserts value (ownership passes to the cache).  If the key is already
 * present, value is freed and the existing one returned.  Returns the pinned
 * value, or NULL on OOM (value freed). */
void *bcache_put(bcache *c, const uint8_t key[16], void *value, size_t bytes, void (*free_fn)(void *),
                 bcache_entry **h);
void bcache_release(bcache *c, bcache_entry *h);

size_t bcache_bytes(bcache *c);
uint64_t bcache_hits(bcache *c);
uint64_t bcache_misses(bcache *c);

#endif

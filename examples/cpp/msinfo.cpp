// msinfo: the multisession numbers of a disc, as `cdrecord -msinfo` prints
// them (start of the previous session, next writable address), through the
// C++ wrapper. Works on a drive (/dev/sr0) and on an emulated disc's image.
//
//   c++ -std=c++11 msinfo.cpp $(pkg-config --cflags --libs multisession)
//   ./msinfo /dev/sr0          ->  0,11702
#include <multisession.hpp>

#include <cstdio>
#include <string>

int main(int argc, char **argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DEVICE-OR-DISC-IMAGE\n", argv[0]);
        return 2;
    }
    try {
        ms::recorder recorder(argv[1]);
        // IMAPI2 lists the views the medium supports; the first one is
        // the one to use.
        for (const ms::multisession &object : recorder.multisession_interfaces()) {
            if (!object.is_supported_on_current_media_state()) continue;
            if (object.kind() == MS_MULTISESSION_SEQUENTIAL) {
                std::printf("%d,%d\n", object.start_address_of_previous_session(),
                            object.next_writable_address());
            } else {
                // Overwritable media have one growing volume: the next
                // session goes after what it holds, at block 0's tree.
                std::printf("0,%d\n", object.random_last_written_address() + 1);
            }
            return 0;
        }
        std::fprintf(stderr, "%s: no multisession view for this medium\n", argv[1]);
        return 1;
    } catch (const ms::error &e) {
        std::fprintf(stderr, "%s: %s\n", argv[1], e.what());
        return 1;
    }
}

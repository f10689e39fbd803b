// append: adds files to a disc as its next session, keeping every file of
// the earlier sessions visible; the disc stays appendable. Through the C++
// wrapper, on a drive (/dev/sr0) or an emulated disc's image.
//
//   c++ -std=c++11 append.cpp $(pkg-config --cflags --libs multisession)
//   ./append disc.img notes.txt photos/
#include <multisession.hpp>

#include <cstdio>
#include <string>

#include <sys/stat.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s DEVICE-OR-DISC-IMAGE FILE-OR-DIR...\n", argv[0]);
        return 2;
    }
    try {
        ms::recorder recorder(argv[1]);
        ms::image image;
        // Imports the newest session when there is one, or takes the
        // medium's defaults for a first session.
        ms_preparation done = image.prepare_for(recorder);
        for (int i = 2; i < argc; i++) {
            const std::string path = argv[i];
            struct stat st;
            if (stat(path.c_str(), &st) != 0) {
                std::fprintf(stderr, "%s: cannot stat\n", path.c_str());
                return 1;
            }
            // A directory under its own name, a file at the root; either
            // replaces what the earlier sessions had under that name.
            if (S_ISDIR(st.st_mode)) {
                image.add_tree(path, "/", true, true);
            } else {
                image.add_file("/" + path.substr(path.find_last_of('/') + 1), path, true);
            }
        }
        ms::result session = image.create_result();

        ms_write_options options = ms::default_write_options();
        options.disable_consumer_dvd_compatibility_mode = true;
        recorder.write(session, options, [](const ms_progress &progress) {
            if (progress.action == MS_IMAPI_FORMAT2_DATA_WRITE_ACTION_WRITING_DATA)
                std::fprintf(stderr, "\rwriting %d of %d blocks", progress.sectors_done, progress.sector_count);
            return true;
        });
        std::fprintf(stderr, "\n");
        std::printf("%s session at LBA %d, %d blocks\n", done.how == MS_PREPARED_IMPORTED ? "appended" : "first",
                    session.start_block(), session.total_blocks());
        return 0;
    } catch (const ms::error &e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
